# azd predown hook (PowerShell twin of predown.sh; same order, nothing is deleted unless all pass):
#  1. delete locks in the resource group (the archive account's, default on) would make azd down fail: refuse;
#  2. the archive still holds recordings (or cannot be listed): refuse unless ARCHIVE_DELETE_CONFIRM names the account;
#  3. delete this environment's Event Grid subscription, only if it delivers to this environment's function app.
# The system topic (in the ACS resource group, possibly shared) is left in place.
$ErrorActionPreference = 'Stop'

$eventGridApi = '2025-02-15'
$locksApi = '2020-05-01'
$storageApi = '2023-05-01'

function Say([string]$message) { Write-Host "predown: $message" }
function Fail([string]$message) {
  [Console]::Error.WriteLine("predown: $message")
  exit 1
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { Fail 'the Azure CLI (az) is required: https://aka.ms/azure-cli' }

$names = @('AZURE_FUNCTION_APP_ID', 'AZURE_FUNCTION_APP_HOSTNAME', 'AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP',
  'ARCHIVE_STORAGE_ACCOUNT_NAME', 'ARCHIVE_STORAGE_ACCOUNT_ID', 'ARCHIVE_RECORDINGS_CONTAINER', 'ARCHIVE_DELETE_CONFIRM',
  'EVENTGRID_SYSTEM_TOPIC_ID', 'EVENTGRID_SUBSCRIPTION_NAME')
if (-not $env:AZURE_FUNCTION_APP_ID -and (Get-Command azd -ErrorAction SilentlyContinue)) {
  foreach ($line in (azd env get-values 2>$null)) {
    if ($line -match '^([A-Z_]+)="?(.*?)"?$' -and $names -contains $matches[1] -and -not [Environment]::GetEnvironmentVariable($matches[1])) {
      [Environment]::SetEnvironmentVariable($matches[1], $matches[2])
    }
  }
}

# 1. Locks
if ($env:AZURE_SUBSCRIPTION_ID -and $env:AZURE_RESOURCE_GROUP) {
  $rgId = "/subscriptions/$($env:AZURE_SUBSCRIPTION_ID)/resourceGroups/$($env:AZURE_RESOURCE_GROUP)"
  $locks = @(az rest --method get --url "$rgId/providers/Microsoft.Authorization/locks?api-version=$locksApi" --query 'value[].id' -o tsv --only-show-errors 2>$null)
  if ($LASTEXITCODE -ne 0) {
    Say 'WARNING: could not list the resource group''s locks; if one exists, azd down will fail at deleting the group.'
  } elseif (@($locks | Where-Object { "$_".Trim() }).Count -gt 0) {
    $account = if ($env:ARCHIVE_STORAGE_ACCOUNT_NAME) { $env:ARCHIVE_STORAGE_ACCOUNT_NAME } else { '<archive account>' }
    Fail ("resource group $($env:AZURE_RESOURCE_GROUP) has delete locks, so azd down would fail; nothing was deleted:`n" +
      (($locks | ForEach-Object { "  $("$_".Trim())" }) -join "`n") +
      "`nThe archive account's lock protects every recording. For a deliberate teardown (docs/deployment.md, `"Teardown`"):`n" +
      "  1. copy out what you must keep (the archive CLI, or azcopy with your own identity);`n" +
      "  2. az lock delete --ids <lock id above>;`n" +
      "  3. ARCHIVE_DELETE_CONFIRM=$account azd down")
  }
}

# 2. Recordings
$account = $env:ARCHIVE_STORAGE_ACCOUNT_NAME
if ($account) {
  $gone = $false
  if ($env:ARCHIVE_STORAGE_ACCOUNT_ID) {
    $out = az rest --method get --url "$($env:ARCHIVE_STORAGE_ACCOUNT_ID)?api-version=$storageApi" --query name -o tsv --only-show-errors 2>&1
    if ($LASTEXITCODE -ne 0 -and "$out" -match 'notfound|not found') { $gone = $true }
  }
  if ($gone) {
    Say "the archive account $account no longer exists."
  } elseif ($env:ARCHIVE_DELETE_CONFIRM -ceq $account) {
    Say "ARCHIVE_DELETE_CONFIRM names the archive account ${account}: it is deleted with the resource group, recordings and all."
  } else {
    $container = if ($env:ARCHIVE_RECORDINGS_CONTAINER) { $env:ARCHIVE_RECORDINGS_CONTAINER } else { 'recordings' }
    $held = @(az storage blob list --auth-mode login --account-name $account --container-name $container --include dv `
        --num-results 1 --query '[].name' -o tsv --only-show-errors 2>&1)
    if ($LASTEXITCODE -ne 0) {
      Fail ("could not list the archive account $account to see whether it holds recordings:`n$($held -join "`n")`n" +
        "(listing needs Storage Blob Data Reader on it, and network access). To delete it anyway, confirm by naming it:`n" +
        "  ARCHIVE_DELETE_CONFIRM=$account azd down")
    }
    if (@($held | Where-Object { "$_".Trim() -and "$_" -notmatch '^WARNING' }).Count -gt 0) {
      Fail ("the archive account $account still holds recordings (container $container); azd down would delete them all.`n" +
        "Copy out what you must keep, then confirm by naming the account:`n" +
        "  ARCHIVE_DELETE_CONFIRM=$account azd down        (docs/deployment.md, `"Teardown`")")
    }
    Say "the archive's $container container is empty."
  }
}

# 3. The Event Grid subscription, only if it delivers to this environment's app
if (-not $env:EVENTGRID_SYSTEM_TOPIC_ID -or -not $env:EVENTGRID_SUBSCRIPTION_NAME) {
  Say 'no Event Grid subscription recorded in this environment; nothing to delete.'
  exit 0
}
$url = "$($env:EVENTGRID_SYSTEM_TOPIC_ID)/eventSubscriptions/$($env:EVENTGRID_SUBSCRIPTION_NAME)?api-version=$eventGridApi"
$destination = az rest --method get --url $url `
  --query '[properties.destination.properties.resourceId, properties.destination.properties.endpointBaseUrl]' -o tsv --only-show-errors 2>$null
if ($LASTEXITCODE -ne 0) {
  Say "Event Grid subscription $($env:EVENTGRID_SUBSCRIPTION_NAME) does not exist; nothing to delete."
  exit 0
}
$destination = (@($destination) -join ' ').Replace("`t", ' ').ToLowerInvariant()
$ours = $false
if ($env:AZURE_FUNCTION_APP_ID -and " $destination " -like "* $($env:AZURE_FUNCTION_APP_ID.ToLowerInvariant())/functions/*") { $ours = $true }
if ($env:AZURE_FUNCTION_APP_HOSTNAME -and $destination -like "*https://$($env:AZURE_FUNCTION_APP_HOSTNAME.ToLowerInvariant())/*") { $ours = $true }
if (-not $ours) {
  Say "Event Grid subscription $($env:EVENTGRID_SUBSCRIPTION_NAME) delivers to another app ($destination), not to this environment's:"
  Say 'left in place (another environment on the same ACS resource uses it).'
  exit 0
}
Say "deleting Event Grid subscription $($env:EVENTGRID_SUBSCRIPTION_NAME)..."
az rest --method delete --url $url -o none --only-show-errors
if ($LASTEXITCODE -ne 0) { exit 1 }
Say 'deleted.'
exit 0
