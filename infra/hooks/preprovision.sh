#!/bin/sh
# azd preprovision hook. Before every `azd provision` / `azd up`:
#  - checks that ACS_RESOURCE_ID names an ACS resource (the template needs it),
#  - generates the participant index key once per environment (PARTICIPANT_INDEX_KEY, kept in the
#    azd environment and written to Key Vault by the template; never printed),
#  - re-creating an environment within Key Vault's 90-day soft-delete window: when this environment's
#    vault (AZURE_KEY_VAULT_NAME, from an earlier provision) is soft-deleted, sets
#    KEY_VAULT_CREATE_MODE=recover so that the template recovers it instead of failing on the name.
set -eu

fail() {
  echo "preprovision: $*" >&2
  exit 1
}

command -v azd >/dev/null 2>&1 || fail "azd is required."
command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is required by the hooks: https://aka.ms/azure-cli (then: az login)."

value() { azd env get-value "$1" 2>/dev/null || true; }

acs_id=$(value ACS_RESOURCE_ID)
if ! printf '%s' "$acs_id" | grep -Eiq '^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Communication/communicationServices/[^/]+$'; then
  fail "set ACS_RESOURCE_ID to your Azure Communication Services resource id, for example:
  azd env set ACS_RESOURCE_ID \$(az communication list --query \"[0].id\" -o tsv)
(/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Communication/communicationServices/<name>)"
fi

if [ -z "$(value PARTICIPANT_INDEX_KEY)" ]; then
  if command -v openssl >/dev/null 2>&1; then
    key=$(openssl rand -base64 32)
  else
    key=$(head -c 32 /dev/urandom | base64)
  fi
  azd env set PARTICIPANT_INDEX_KEY "$key" >/dev/null
  echo "preprovision: generated the participant index key (PARTICIPANT_INDEX_KEY, stored in the azd environment and Key Vault)."
fi

mode=default
vault=$(value AZURE_KEY_VAULT_NAME)
subscription=$(value AZURE_SUBSCRIPTION_ID)
if [ -n "$vault" ]; then
  set -- --name "$vault" --only-show-errors
  [ -n "$subscription" ] && set -- "$@" --subscription "$subscription"
  if az keyvault show "$@" -o none 2>/dev/null; then
    mode=default
  elif az keyvault show-deleted "$@" -o none 2>/dev/null; then
    mode=recover
    echo "preprovision: Key Vault $vault is soft-deleted (environment re-created within 90 days): it will be recovered."
  fi
fi
azd env set KEY_VAULT_CREATE_MODE "$mode" >/dev/null
