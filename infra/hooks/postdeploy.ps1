# azd postdeploy hook (PowerShell twin of postdeploy.sh; same steps, same inputs). Idempotent.
#  1. Refreshes unresolved Key Vault references until they resolve, then restarts the app once.
#  2. Waits (POSTDEPLOY_WAIT_SECONDS, default 900) until the Event Grid-triggered function is listed.
#  3. Creates or updates the Event Grid subscription with one PUT (running twice leaves one); never takes over a
#     subscription of that name that delivers to another app. EVENT_DELIVERY=webhook: steps 2-4 are skipped.
#  4. Warns about other subscriptions on the topic that deliver to this app (double delivery).
#  5. Prints GET /api/health.
$ErrorActionPreference = 'Stop'

$webApi = '2024-04-01'
$kvRefApi = '2022-03-01'
$eventGridApi = '2025-02-15'
$waitSeconds = if ($env:POSTDEPLOY_WAIT_SECONDS) { [int]$env:POSTDEPLOY_WAIT_SECONDS } else { 900 }

function Fail([string]$message) {
  Write-Host "postdeploy: $message" -ForegroundColor Red
  exit 1
}
function Say([string]$message) { Write-Host "postdeploy: $message" }

if (-not (Get-Command az -ErrorAction SilentlyContinue)) { Fail 'the Azure CLI (az) is required: https://aka.ms/azure-cli (then: az login).' }

$names = @('AZURE_FUNCTION_APP_ID', 'AZURE_FUNCTION_APP_HOSTNAME', 'EVENTGRID_SYSTEM_TOPIC_ID', 'EVENTGRID_SUBSCRIPTION_NAME',
  'EVENTGRID_FUNCTION_NAME', 'EVENTGRID_DEADLETTER_STORAGE_ID', 'EVENTGRID_DEADLETTER_CONTAINER',
  'EVENTGRID_MAX_DELIVERY_ATTEMPTS', 'EVENTGRID_EVENT_TTL_MINUTES')
if (-not $env:AZURE_FUNCTION_APP_ID -and (Get-Command azd -ErrorAction SilentlyContinue)) {
  foreach ($line in (azd env get-values 2>$null)) {
    if ($line -match '^([A-Z_]+)="?(.*?)"?$' -and ($names -contains $matches[1] -or $matches[1] -eq 'EVENT_DELIVERY')) {
      [Environment]::SetEnvironmentVariable($matches[1], $matches[2])
    }
  }
}
$v = @{}
foreach ($name in $names) {
  $value = [Environment]::GetEnvironmentVariable($name)
  if (-not $value) { Fail "$name is not set (an output of infra/main.bicep; run azd provision, or set it by hand)." }
  $v[$name] = $value
}

$appId = $v.AZURE_FUNCTION_APP_ID
$functionId = "$appId/functions/$($v.EVENTGRID_FUNCTION_NAME)"
$subscriptionId = "$($v.EVENTGRID_SYSTEM_TOPIC_ID)/eventSubscriptions/$($v.EVENTGRID_SUBSCRIPTION_NAME)"
$deadline = (Get-Date).AddSeconds($waitSeconds)
function Remaining { [int][Math]::Max(0, ($deadline - (Get-Date)).TotalSeconds) }

# 1. Key Vault references
function Get-UnresolvedReferences {
  $out = az rest --method get --url "$appId/config/configreferences/appsettings?api-version=$kvRefApi" `
    --query "value[?properties.status!='Resolved'].[name, properties.status]" -o tsv --only-show-errors 2>$null
  if ($LASTEXITCODE -ne 0) { return $null }
  return (@($out) -join "`n").Trim()
}
$pending = Get-UnresolvedReferences
if ($null -eq $pending) {
  Say 'could not read the Key Vault reference status; restarting the app once to be safe.'
  az rest --method post --url "$appId/restart?api-version=$webApi" -o none --only-show-errors
} elseif ($pending) {
  Say "Key Vault references not resolved yet (role assignments can take minutes to apply):`n$pending"
  while ($true) {
    az rest --method post --url "$appId/config/configreferences/appsettings/refresh?api-version=$kvRefApi" -o none --only-show-errors 2>$null
    Start-Sleep -Seconds 20
    $pending = Get-UnresolvedReferences
    if ($null -ne $pending -and -not $pending) { break }
    if ((Remaining) -le 0) {
      Fail ("Key Vault references still unresolved after ${waitSeconds}s:`n$pending`n" +
        "Check that the app's identity has Key Vault Secrets User on the vault and that the secrets exist, then run: azd hooks run postdeploy")
    }
  }
  Say 'Key Vault references resolved; restarting the app once so that it starts with them.'
  az rest --method post --url "$appId/restart?api-version=$webApi" -o none --only-show-errors
} else {
  Say 'Key Vault references resolved.'
}

$webhookDelivery = "$env:EVENT_DELIVERY" -eq 'webhook'
if ($webhookDelivery) {
  Say 'EVENT_DELIVERY=webhook: no Event Grid subscription is created here (recordingEventsGrid is disabled).'
  Say "Create one Web Hook subscription to https://$($v.AZURE_FUNCTION_APP_HOSTNAME)/api/recording-events with a key of its own"
  Say '(docs/deployment.md, "Who can call what"), and remove any subscription that still targets recordingEventsGrid.'
}

if (-not $webhookDelivery) {
# 2. Wait for the Event Grid-triggered function
Say "waiting up to $(Remaining)s for function $($v.EVENTGRID_FUNCTION_NAME) to be listed..."
while ($true) {
  $listed = az rest --method get --url "$appId/functions?api-version=$webApi" --query 'value[].name' -o tsv --only-show-errors 2>$null
  if ($LASTEXITCODE -eq 0 -and (@($listed) | Where-Object { $_ -match "(^|/)$($v.EVENTGRID_FUNCTION_NAME)$" })) { break }
  if ((Remaining) -le 0) {
    Fail ("function $($v.EVENTGRID_FUNCTION_NAME) is not listed on the app after ${waitSeconds}s, so the Event Grid subscription cannot be created yet.`n" +
      "The app may not have started: check https://$($v.AZURE_FUNCTION_APP_HOSTNAME)/api/health (function key), the log stream or Application Insights,`n" +
      'then run: azd hooks run postdeploy (POSTDEPLOY_WAIT_SECONDS sets the wait).')
  }
  Start-Sleep -Seconds 15
}
Say "function $($v.EVENTGRID_FUNCTION_NAME) is listed."

# 3. Create or update the subscription (never one that delivers to another app)
$existing = az rest --method get --url "${subscriptionId}?api-version=$eventGridApi" `
  --query '[properties.destination.properties.resourceId, properties.destination.properties.endpointBaseUrl]' -o tsv --only-show-errors 2>$null
if ($LASTEXITCODE -eq 0) {
  $existing = (@($existing) -join ' ').Replace("`t", ' ').ToLowerInvariant()
  $ownFunction = " $existing " -like "* $($appId.ToLowerInvariant())/functions/*"
  $ownWebhook = $existing -like "*https://$($v.AZURE_FUNCTION_APP_HOSTNAME.ToLowerInvariant())/*"
  if (-not $ownFunction -and -not $ownWebhook) {
    Fail ("Event Grid subscription $($v.EVENTGRID_SUBSCRIPTION_NAME) already exists and delivers to another app ($existing):`n" +
      "probably another environment on the same ACS resource. It is left alone. Give this environment its own name:`n" +
      '  azd env set EVENTGRID_SUBSCRIPTION_NAME recording-archiver-<environment> && azd provision && azd hooks run postdeploy')
  }
}
$body = @{
  properties = @{
    destination = @{
      endpointType = 'AzureFunction'
      properties = @{ resourceId = $functionId; maxEventsPerBatch = 1; preferredBatchSizeInKilobytes = 64 }
    }
    eventDeliverySchema = 'EventGridSchema'
    filter = @{ includedEventTypes = @('Microsoft.Communication.RecordingFileStatusUpdated') }
    retryPolicy = @{
      maxDeliveryAttempts = [int]$v.EVENTGRID_MAX_DELIVERY_ATTEMPTS
      eventTimeToLiveInMinutes = [int]$v.EVENTGRID_EVENT_TTL_MINUTES
    }
    deadLetterWithResourceIdentity = @{
      identity = @{ type = 'SystemAssigned' }
      deadLetterDestination = @{
        endpointType = 'StorageBlob'
        properties = @{ resourceId = $v.EVENTGRID_DEADLETTER_STORAGE_ID; blobContainerName = $v.EVENTGRID_DEADLETTER_CONTAINER }
      }
    }
  }
}
$bodyFile = New-TemporaryFile
try {
  $body | ConvertTo-Json -Depth 10 | Set-Content -Path $bodyFile -Encoding utf8
  Say "creating or updating Event Grid subscription $($v.EVENTGRID_SUBSCRIPTION_NAME)..."
  az rest --method put --url "${subscriptionId}?api-version=$eventGridApi" --body "@$bodyFile" `
    --headers 'Content-Type=application/json' -o none --only-show-errors
  if ($LASTEXITCODE -ne 0) {
    Fail ("Event Grid refused the subscription (see the error above). If it says the endpoint or its key was not found,`n" +
      'the host has not synced its triggers yet: wait a minute and run: azd hooks run postdeploy')
  }
} finally {
  Remove-Item $bodyFile -ErrorAction SilentlyContinue
}
while ($true) {
  $state = az rest --method get --url "${subscriptionId}?api-version=$eventGridApi" --query properties.provisioningState -o tsv --only-show-errors
  if ($state -eq 'Succeeded') { break }
  if ($state -in @('Failed', 'Canceled')) { Fail "Event Grid subscription $($v.EVENTGRID_SUBSCRIPTION_NAME) is $state; run: azd hooks run postdeploy" }
  if ((Remaining) -le 0) { Fail "Event Grid subscription $($v.EVENTGRID_SUBSCRIPTION_NAME) is still $state after ${waitSeconds}s." }
  Start-Sleep -Seconds 10
}
Say "Event Grid subscription $($v.EVENTGRID_SUBSCRIPTION_NAME) delivers RecordingFileStatusUpdated to $($v.EVENTGRID_FUNCTION_NAME)."

# 4. Double delivery check
$appName = $appId.Split('/')[-1]
$others = az rest --method get --url "$($v.EVENTGRID_SYSTEM_TOPIC_ID)/eventSubscriptions?api-version=$eventGridApi" `
  --query "value[?name!='$($v.EVENTGRID_SUBSCRIPTION_NAME)'].[name, properties.destination.properties.resourceId, properties.destination.properties.endpointBaseUrl]" `
  -o tsv --only-show-errors 2>$null | Where-Object { $_ -match [regex]::Escape($appName) }
if ($others) {
  Say 'WARNING: other subscriptions on the topic also deliver to this app (every event would be archived twice):'
  $others | ForEach-Object { Write-Host "  $(($_ -split "`t")[0])" }
  Say 'delete them (az eventgrid system-topic event-subscription delete ...) unless that is intended.'
}

}

# 5. Health
$key = az rest --method post --url "$appId/host/default/listkeys?api-version=$webApi" --query functionKeys.default -o tsv --only-show-errors 2>$null
if ($LASTEXITCODE -eq 0 -and $key) {
  try {
    $response = Invoke-WebRequest -Uri "https://$($v.AZURE_FUNCTION_APP_HOSTNAME)/api/health" -Headers @{ 'x-functions-key' = "$key" } `
      -TimeoutSec 30 -SkipHttpErrorCheck -UseBasicParsing
    Say "GET /api/health -> $($response.StatusCode)"
    Write-Host $response.Content
    if ($response.StatusCode -ne 200) {
      Say 'WARNING: the app reports a problem (above). It keeps answering Event Grid''s handshake and refuses work until it is fixed.'
    }
  } catch {
    Say "GET /api/health -> no answer ($($_.Exception.Message))"
  }
}
exit 0
