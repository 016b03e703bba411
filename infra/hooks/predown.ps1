# azd predown hook (PowerShell twin of predown.sh): deletes the Event Grid subscription that
# postdeploy created. The system topic (in the ACS resource group, possibly shared) is left in place.
$ErrorActionPreference = 'Stop'
function Say([string]$message) { Write-Host "predown: $message" }
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { Write-Host 'predown: the Azure CLI (az) is required: https://aka.ms/azure-cli'; exit 1 }

if (-not $env:EVENTGRID_SYSTEM_TOPIC_ID -and (Get-Command azd -ErrorAction SilentlyContinue)) {
  foreach ($line in (azd env get-values 2>$null)) {
    if ($line -match '^(EVENTGRID_SYSTEM_TOPIC_ID|EVENTGRID_SUBSCRIPTION_NAME)="?(.*?)"?$') {
      [Environment]::SetEnvironmentVariable($matches[1], $matches[2])
    }
  }
}
if (-not $env:EVENTGRID_SYSTEM_TOPIC_ID -or -not $env:EVENTGRID_SUBSCRIPTION_NAME) {
  Say 'no Event Grid subscription recorded in this environment; nothing to delete.'
  exit 0
}
$url = "$($env:EVENTGRID_SYSTEM_TOPIC_ID)/eventSubscriptions/$($env:EVENTGRID_SUBSCRIPTION_NAME)?api-version=2025-02-15"
az rest --method get --url $url -o none --only-show-errors 2>$null
if ($LASTEXITCODE -eq 0) {
  Say "deleting Event Grid subscription $($env:EVENTGRID_SUBSCRIPTION_NAME)..."
  az rest --method delete --url $url -o none --only-show-errors
  if ($LASTEXITCODE -ne 0) { exit 1 }
  Say 'deleted.'
} else {
  Say "Event Grid subscription $($env:EVENTGRID_SUBSCRIPTION_NAME) does not exist; nothing to delete."
}
exit 0
