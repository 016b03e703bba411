# azd preprovision hook (PowerShell twin of preprovision.sh; same checks, same environment values, same messages):
#  - ACS_RESOURCE_ID names an ACS resource; ALERT_EMAIL is set (or ALERT_EMAIL_OPTIONAL=true, loudly warned);
#  - the region offers Flex Consumption and Node.js NODE_VERSION on it; Microsoft.App registered when VNET_ENABLED;
#  - the ACS resource's existing Event Grid system topic is adopted (identities and tags kept), or this stops;
#  - the participant index key is written only when this environment's vault has none, or once on
#    PARTICIPANT_INDEX_KEY_ROTATE=true; KEY_VAULT_CREATE_MODE=recover for a soft-deleted vault of this environment.
$ErrorActionPreference = 'Stop'

$eventGridApi = '2025-02-15'
$keyVaultApi = '2023-07-01'

function Fail([string]$message) {
  [Console]::Error.WriteLine("preprovision: $message")
  exit 1
}
function Say([string]$message) { Write-Host "preprovision: $message" }

if (-not (Get-Command azd -ErrorAction SilentlyContinue)) { Fail 'azd is required.' }
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { Fail 'the Azure CLI (az) is required by the hooks: https://aka.ms/azure-cli (then: az login).' }

function Get-EnvValue([string]$name) {
  $value = azd env get-value $name 2>$null
  if ($LASTEXITCODE -ne 0) { return '' }
  return "$value".Trim()
}
function Set-EnvValue([string]$name, [string]$value) {
  azd env set $name $value | Out-Null
  if ($LASTEXITCODE -ne 0) { Fail "azd env set $name failed." }
}

$envName = Get-EnvValue 'AZURE_ENV_NAME'
if (-not $envName) { $envName = "$env:AZURE_ENV_NAME" }
$subscription = Get-EnvValue 'AZURE_SUBSCRIPTION_ID'
$location = Get-EnvValue 'AZURE_LOCATION'
$subArgs = @()
if ($subscription) { $subArgs = @('--subscription', $subscription) }

# ACS resource
$acsId = Get-EnvValue 'ACS_RESOURCE_ID'
if ($acsId -notmatch '^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Communication/communicationServices/[^/]+$') {
  Fail ("set ACS_RESOURCE_ID to your Azure Communication Services resource id, for example:`n" +
    "  azd env set ACS_RESOURCE_ID (az communication list --query `"[0].id`" -o tsv)`n" +
    '(/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Communication/communicationServices/<name>)')
}
$acsSubscription = $acsId.Split('/')[2]

# Alerts
$alertEmail = Get-EnvValue 'ALERT_EMAIL'
if (-not $alertEmail) {
  if ((Get-EnvValue 'ALERT_EMAIL_OPTIONAL') -eq 'true') {
    Say 'WARNING: ALERT_EMAIL is empty: the alert rules (poison queue, deadlines at risk, dead letters, archive deletion)'
    Say 'WARNING: will notify NOBODY. Recordings ACS deletes after 24 hours can be lost unseen. Set ALERT_EMAIL.'
  } else {
    Fail ("set ALERT_EMAIL to the address that gets the alerts (a chunk not archived within ACS's 24 hours is lost):`n" +
      "  azd env set ALERT_EMAIL ops@example.com`n" +
      'or, to deploy without any notification, azd env set ALERT_EMAIL_OPTIONAL true')
  }
} elseif ($alertEmail -notmatch '^[^@\s]+@[^@\s]+\.[^@\s]+$') {
  Fail 'ALERT_EMAIL is not an e-mail address.'
}

# Region and runtime (Flex Consumption)
$nodeVersion = Get-EnvValue 'NODE_VERSION'
if (-not $nodeVersion) { $nodeVersion = '22' }
$regions = @(az functionapp list-flexconsumption-locations @subArgs --query '[].name' -o tsv --only-show-errors 2>$null)
if ($LASTEXITCODE -eq 0 -and $regions.Count -gt 0) {
  $regions = @($regions | ForEach-Object { "$_".ToLowerInvariant().Replace(' ', '').Trim() } | Where-Object { $_ } | Sort-Object)
  if (-not $location) {
    Say "azd asks for the region next: choose one that offers Flex Consumption: $($regions -join ' ')"
  } elseif ($regions -notcontains $location.ToLowerInvariant().Replace(' ', '')) {
    Fail ("region $location does not offer Flex Consumption. Regions that do:`n" + (($regions | ForEach-Object { "  $_" }) -join "`n") +
      "`nUse another environment (azd env new) in one of them: an environment's region cannot change.")
  }
} else {
  Say 'WARNING: could not list the Flex Consumption regions (az functionapp list-flexconsumption-locations); not checked.'
}
if ($location) {
  $versions = @(az functionapp list-flexconsumption-runtimes @subArgs --location $location --runtime node --query '[].version' -o tsv --only-show-errors 2>$null)
  if ($LASTEXITCODE -eq 0 -and $versions.Count -gt 0) {
    $versions = @($versions | ForEach-Object { "$_".Trim() -replace '\.0$', '' } | Where-Object { $_ } | Sort-Object -Unique)
    $offered = ($versions | Where-Object { $_ -in @('22', '24') }) -join ' '
    if (-not $offered) { $offered = 'none' }
    if ($versions -notcontains $nodeVersion) {
      Fail ("Node.js $nodeVersion is not offered on Flex Consumption in $location. Offered and supported by this template: $offered`n" +
        '  azd env set NODE_VERSION <version>')
    }
  } else {
    Say "WARNING: could not list the Flex Consumption Node.js versions in $location; NODE_VERSION=$nodeVersion not checked."
  }
}

# VNet: Microsoft.App must be registered
if ((Get-EnvValue 'VNET_ENABLED') -eq 'true') {
  $state = az provider show @subArgs --namespace Microsoft.App --query registrationState -o tsv --only-show-errors 2>$null
  if ($LASTEXITCODE -ne 0 -or "$state".Trim() -ne 'Registered') {
    Say 'registering the Microsoft.App resource provider (Flex Consumption VNet integration needs it)...'
    az provider register @subArgs --namespace Microsoft.App --wait --only-show-errors
    if ($LASTEXITCODE -ne 0) { Fail 'could not register Microsoft.App (needs */register/action on the subscription, e.g. Contributor): az provider register --namespace Microsoft.App' }
  }
}

# The ACS resource's Event Grid system topic: adopt the one that exists
$topics = @(az eventgrid system-topic list --subscription $acsSubscription --query '[].[id, source]' -o tsv --only-show-errors)
if ($LASTEXITCODE -ne 0) { Fail "could not list the Event Grid system topics of subscription $acsSubscription (Reader there is needed) to find the ACS resource's." }
$found = @($topics | ForEach-Object { $fields = "$_".Trim() -split "`t"; if ($fields.Count -ge 2 -and $fields[1] -eq $acsId) { $fields[0] } })
$wantedName = Get-EnvValue 'EVENTGRID_SYSTEM_TOPIC_NAME'
if ($found.Count -gt 1) {
  Fail ("more than one system topic has the ACS resource as its source:`n" + ($found -join "`n") +
    "`nKeep one, or set EVENTGRID_SYSTEM_TOPIC_NAME and EVENTGRID_SYSTEM_TOPIC_RESOURCE_GROUP to the one to use.")
} elseif ($found.Count -eq 1) {
  $topicId = $found[0]
  $topicRg = $topicId.Split('/')[4]
  $topicName = $topicId.Split('/')[8]
  if ($wantedName -and $wantedName -ne $topicName) {
    Fail ("EVENTGRID_SYSTEM_TOPIC_NAME is $wantedName, but the ACS resource's system topic is $topicName (a source has only one).`n" +
      "  azd env set EVENTGRID_SYSTEM_TOPIC_NAME $topicName")
  }
  $topicLocation = az rest --method get --url "${topicId}?api-version=$eventGridApi" --query location -o tsv --only-show-errors
  if ($LASTEXITCODE -ne 0) { Fail "could not read system topic $topicId." }
  if ("$topicLocation".Trim() -ne 'global') { Fail "system topic $topicId is in location $topicLocation, not global: it cannot be adopted." }
  $identityType = az rest --method get --url "${topicId}?api-version=$eventGridApi" --query identity.type -o tsv --only-show-errors
  $identities = ''
  if ("$identityType" -match 'UserAssigned') {
    $keys = @(az rest --method get --url "${topicId}?api-version=$eventGridApi" --query 'keys(identity.userAssignedIdentities)' -o tsv --only-show-errors)
    if ($LASTEXITCODE -ne 0) { Fail "could not read the user-assigned identities of system topic $topicId." }
    $identities = (@($keys | ForEach-Object { "$_" -split "`t" } | ForEach-Object { $_.Trim() } | Where-Object { $_ })) -join ','
  }
  $tags = (@(az rest --method get --url "${topicId}?api-version=$eventGridApi" --query tags -o json --only-show-errors) -join '').Trim()
  $tagsBase64 = ''
  if ($tags -and $tags -ne 'null' -and $tags -ne '{}') { $tagsBase64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($tags)) }
  Set-EnvValue 'EVENTGRID_SYSTEM_TOPIC_NAME' $topicName
  Set-EnvValue 'EVENTGRID_SYSTEM_TOPIC_RESOURCE_GROUP' $topicRg
  Set-EnvValue 'EVENTGRID_SYSTEM_TOPIC_USER_IDENTITIES' $identities
  Set-EnvValue 'EVENTGRID_SYSTEM_TOPIC_TAGS' $tagsBase64
  $kept = if ($identities) { '; its user-assigned identities are kept' } else { '' }
  Say "adopting the ACS resource's system topic $topicName (resource group $topicRg$kept)."
} else {
  Set-EnvValue 'EVENTGRID_SYSTEM_TOPIC_RESOURCE_GROUP' ''
  Set-EnvValue 'EVENTGRID_SYSTEM_TOPIC_USER_IDENTITIES' ''
  Set-EnvValue 'EVENTGRID_SYSTEM_TOPIC_TAGS' ''
}

# Key Vault: recover a soft-deleted vault; never replace an existing participant index key
$mode = 'default'
$vault = Get-EnvValue 'AZURE_KEY_VAULT_NAME'
if ($vault) {
  $kvArgs = @('--name', $vault, '--only-show-errors', '-o', 'none') + $subArgs
  az keyvault show @kvArgs 2>$null
  if ($LASTEXITCODE -ne 0) {
    az keyvault show-deleted @kvArgs 2>$null
    if ($LASTEXITCODE -eq 0) {
      $mode = 'recover'
      Say "Key Vault $vault is soft-deleted (environment re-created within 90 days): it will be recovered, with its secrets."
    }
  }
}
Set-EnvValue 'KEY_VAULT_CREATE_MODE' $mode

$vaultIds = @()
if ($vault -and $mode -eq 'default') {
  $shown = az keyvault show @subArgs --name $vault --query id -o tsv --only-show-errors 2>$null
  if ($LASTEXITCODE -eq 0 -and $shown) { $vaultIds += "$shown".Trim() }
}
if ($envName) {
  # (ARM cannot combine a tag filter with a type filter: the type is filtered in the query.)
  $tagged = @(az resource list @subArgs --tag "azd-env-name=$envName" --query "[?type=='Microsoft.KeyVault/vaults'].id" -o tsv --only-show-errors)
  if ($LASTEXITCODE -ne 0) { Fail "could not look for this environment's Key Vault (az resource list); refusing to risk replacing its participant index key." }
  $vaultIds += @($tagged | ForEach-Object { "$_".Trim() } | Where-Object { $_ })
}
$vaultIds = @($vaultIds | Sort-Object -Unique)
$keyExists = $mode -eq 'recover'
foreach ($id in $vaultIds) {
  $out = az rest --method get --url "$id/secrets/participant-index-key?api-version=$keyVaultApi" --query id -o tsv --only-show-errors 2>&1
  if ($LASTEXITCODE -eq 0) {
    $keyExists = $true
  } elseif ("$out" -notmatch 'notfound|not found') {
    Fail "could not check whether Key Vault $id holds participant-index-key:`n$out`nRefusing to go on: a new key would orphan the participant index."
  }
}
if ((Get-EnvValue 'PARTICIPANT_INDEX_KEY_ROTATE') -eq 'true') {
  Set-EnvValue 'PARTICIPANT_INDEX_KEY_WRITE' 'true'
  Set-EnvValue 'PARTICIPANT_INDEX_KEY_ROTATE' 'false'
  Say 'ROTATING the participant index key (PARTICIPANT_INDEX_KEY_ROTATE, now reset): entries under the old key are orphaned;'
  Say "run 'recording-archiver participants reindex' after the deployment."
} elseif ($keyExists) {
  Set-EnvValue 'PARTICIPANT_INDEX_KEY_WRITE' 'false'
  if (Get-EnvValue 'PARTICIPANT_INDEX_KEY') { Say 'the vault already holds participant-index-key: it is kept (PARTICIPANT_INDEX_KEY in the azd environment is not written).' }
} else {
  Set-EnvValue 'PARTICIPANT_INDEX_KEY_WRITE' 'true'
  Say 'no participant index key in this environment''s vault yet: the deployment writes one (generated in Azure unless PARTICIPANT_INDEX_KEY is set).'
}
exit 0
