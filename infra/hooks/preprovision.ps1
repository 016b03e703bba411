# azd preprovision hook (PowerShell twin of preprovision.sh; same behaviour):
#  - checks that ACS_RESOURCE_ID names an ACS resource,
#  - generates the participant index key once per environment (never printed),
#  - sets KEY_VAULT_CREATE_MODE=recover when this environment's vault is soft-deleted.
$ErrorActionPreference = 'Stop'

function Fail([string]$message) {
  Write-Error "preprovision: $message"
  exit 1
}

if (-not (Get-Command azd -ErrorAction SilentlyContinue)) { Fail 'azd is required.' }
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { Fail 'the Azure CLI (az) is required by the hooks: https://aka.ms/azure-cli (then: az login).' }

function Get-EnvValue([string]$name) {
  $value = azd env get-value $name 2>$null
  if ($LASTEXITCODE -ne 0) { return '' }
  return "$value".Trim()
}

$acsId = Get-EnvValue 'ACS_RESOURCE_ID'
if ($acsId -notmatch '^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Communication/communicationServices/[^/]+$') {
  Fail ("set ACS_RESOURCE_ID to your Azure Communication Services resource id, for example:`n" +
    "  azd env set ACS_RESOURCE_ID (az communication list --query `"[0].id`" -o tsv)`n" +
    '(/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Communication/communicationServices/<name>)')
}

if (-not (Get-EnvValue 'PARTICIPANT_INDEX_KEY')) {
  $bytes = New-Object byte[] 32
  [System.Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($bytes)
  azd env set PARTICIPANT_INDEX_KEY ([Convert]::ToBase64String($bytes)) | Out-Null
  Write-Host 'preprovision: generated the participant index key (PARTICIPANT_INDEX_KEY, stored in the azd environment and Key Vault).'
}

$mode = 'default'
$vault = Get-EnvValue 'AZURE_KEY_VAULT_NAME'
$subscription = Get-EnvValue 'AZURE_SUBSCRIPTION_ID'
if ($vault) {
  $kvArgs = @('--name', $vault, '--only-show-errors', '-o', 'none')
  if ($subscription) { $kvArgs += @('--subscription', $subscription) }
  az keyvault show @args 2>$null
  if ($LASTEXITCODE -ne 0) {
    az keyvault show-deleted @args 2>$null
    if ($LASTEXITCODE -eq 0) {
      $mode = 'recover'
      Write-Host "preprovision: Key Vault $vault is soft-deleted (environment re-created within 90 days): it will be recovered."
    }
  }
}
azd env set KEY_VAULT_CREATE_MODE $mode | Out-Null
exit 0
