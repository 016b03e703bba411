#!/bin/sh
# azd preprovision hook. Before every `azd provision` / `azd up`, it checks what would otherwise fail (or lose data)
# in the middle of a deployment, and sets the azd environment values the template needs:
#  - ACS_RESOURCE_ID names an ACS resource;
#  - ALERT_EMAIL is set (an archive with a 24-hour deadline must page someone), unless ALERT_EMAIL_OPTIONAL=true;
#  - the region offers Flex Consumption, and Node.js NODE_VERSION on it (only offered values are listed);
#  - VNET_ENABLED=true: the Microsoft.App resource provider is registered (Flex Consumption VNet integration);
#  - the ACS resource's existing Event Grid system topic (a source has only one) is adopted: EVENTGRID_SYSTEM_TOPIC_NAME,
#    _RESOURCE_GROUP, _USER_IDENTITIES (kept) and _TAGS (kept); anything that cannot be adopted stops here;
#  - the participant index key is written to Key Vault only when this environment's vault has none
#    (PARTICIPANT_INDEX_KEY_WRITE), or once on PARTICIPANT_INDEX_KEY_ROTATE=true: a redeployment from another machine
#    never replaces it (the key is generated inside the deployment and never passes through this machine);
#  - a soft-deleted vault of this environment (re-created within 90 days) is recovered: KEY_VAULT_CREATE_MODE=recover.
set -eu

EVENTGRID_API=2025-02-15
KEYVAULT_API=2023-07-01

fail() {
  echo "preprovision: $*" >&2
  exit 1
}
say() { echo "preprovision: $*"; }

command -v azd >/dev/null 2>&1 || fail "azd is required."
command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is required by the hooks: https://aka.ms/azure-cli (then: az login)."

value() { azd env get-value "$1" 2>/dev/null || true; }
lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }
set_env() { azd env set "$1" "$2" >/dev/null; }

env_name=$(value AZURE_ENV_NAME)
[ -n "$env_name" ] || env_name=${AZURE_ENV_NAME:-}
subscription=$(value AZURE_SUBSCRIPTION_ID)
location=$(value AZURE_LOCATION)
if [ -n "$subscription" ]; then set -- --subscription "$subscription"; else set --; fi

# ACS resource -----------------------------------------------------------------------------------------------------
acs_id=$(value ACS_RESOURCE_ID)
if ! printf '%s' "$acs_id" | grep -Eiq '^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Communication/communicationServices/[^/]+$'; then
  fail "set ACS_RESOURCE_ID to your Azure Communication Services resource id, for example:
  azd env set ACS_RESOURCE_ID \$(az communication list --query \"[0].id\" -o tsv)
(/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Communication/communicationServices/<name>)"
fi
acs_subscription=$(printf '%s' "$acs_id" | cut -d/ -f3)

# Alerts -----------------------------------------------------------------------------------------------------------
alert_email=$(value ALERT_EMAIL)
if [ -z "$alert_email" ]; then
  if [ "$(lower "$(value ALERT_EMAIL_OPTIONAL)")" = "true" ]; then
    say "WARNING: ALERT_EMAIL is empty: the alert rules (poison queue, deadlines at risk, dead letters, archive deletion)"
    say "WARNING: will notify NOBODY. Recordings ACS deletes after 24 hours can be lost unseen. Set ALERT_EMAIL."
  else
    fail "set ALERT_EMAIL to the address that gets the alerts (a chunk not archived within ACS's 24 hours is lost):
  azd env set ALERT_EMAIL ops@example.com
or, to deploy without any notification, azd env set ALERT_EMAIL_OPTIONAL true"
  fi
elif ! printf '%s' "$alert_email" | grep -Eq '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'; then
  fail "ALERT_EMAIL is not an e-mail address."
fi

# Region and runtime (Flex Consumption) -----------------------------------------------------------------------------
node_version=$(value NODE_VERSION)
[ -n "$node_version" ] || node_version=22
if regions=$(az functionapp list-flexconsumption-locations "$@" --query "[].name" -o tsv --only-show-errors 2>/dev/null) && [ -n "$regions" ]; then
  regions=$(printf '%s\n' "$regions" | tr '[:upper:]' '[:lower:]' | tr -d ' \r' | sort)
  if [ -z "$location" ]; then
    say "azd asks for the region next: choose one that offers Flex Consumption: $(printf '%s' "$regions" | tr '\n' ' ')"
  elif ! printf '%s\n' "$regions" | grep -qx "$(lower "$location" | tr -d ' ')"; then
    fail "region $location does not offer Flex Consumption. Regions that do:
$(printf '%s\n' "$regions" | sed 's/^/  /')
Use another environment (azd env new) in one of them: an environment's region cannot change."
  fi
else
  say "WARNING: could not list the Flex Consumption regions (az functionapp list-flexconsumption-locations); not checked."
fi
if [ -n "$location" ]; then
  if versions=$(az functionapp list-flexconsumption-runtimes "$@" --location "$location" --runtime node --query "[].version" -o tsv --only-show-errors 2>/dev/null) && [ -n "$versions" ]; then
    versions=$(printf '%s\n' "$versions" | tr -d '\r' | sed 's/\.0$//' | sort -u)
    offered=$(printf '%s\n' "$versions" | grep -Ex '22|24' | tr '\n' ' ' || true)
    if ! printf '%s\n' "$versions" | grep -qx "$node_version"; then
      fail "Node.js $node_version is not offered on Flex Consumption in $location. Offered and supported by this template: ${offered:-none}
  azd env set NODE_VERSION <version>"
    fi
  else
    say "WARNING: could not list the Flex Consumption Node.js versions in $location; NODE_VERSION=$node_version not checked."
  fi
fi

# VNet: Microsoft.App must be registered (the portal and az do it for you; a template does not) --------------------------
if [ "$(lower "$(value VNET_ENABLED)")" = "true" ]; then
  state=$(az provider show "$@" --namespace Microsoft.App --query registrationState -o tsv --only-show-errors 2>/dev/null || echo unknown)
  if [ "$state" != "Registered" ]; then
    say "registering the Microsoft.App resource provider (Flex Consumption VNet integration needs it)..."
    az provider register "$@" --namespace Microsoft.App --wait --only-show-errors \
      || fail "could not register Microsoft.App (needs */register/action on the subscription, e.g. Contributor): az provider register --namespace Microsoft.App"
  fi
fi

# The ACS resource's Event Grid system topic: adopt the one that exists -------------------------------------------------
topics=$(az eventgrid system-topic list --subscription "$acs_subscription" --query "[].[id, source]" -o tsv --only-show-errors) \
  || fail "could not list the Event Grid system topics of subscription $acs_subscription (Reader there is needed) to find the ACS resource's."
acs_lower=$(lower "$acs_id")
found=$(printf '%s\n' "$topics" | tr -d '\r' | awk -F '\t' -v source="$acs_lower" 'tolower($2) == source { print $1 }')
count=$(printf '%s' "$found" | grep -c . || true)
wanted_name=$(value EVENTGRID_SYSTEM_TOPIC_NAME)
if [ "$count" -gt 1 ]; then
  fail "more than one system topic has the ACS resource as its source:
$found
Keep one, or set EVENTGRID_SYSTEM_TOPIC_NAME and EVENTGRID_SYSTEM_TOPIC_RESOURCE_GROUP to the one to use."
elif [ "$count" -eq 1 ]; then
  topic_rg=$(printf '%s' "$found" | cut -d/ -f5)
  topic_name=$(printf '%s' "$found" | cut -d/ -f9)
  if [ -n "$wanted_name" ] && [ "$(lower "$wanted_name")" != "$(lower "$topic_name")" ]; then
    fail "EVENTGRID_SYSTEM_TOPIC_NAME is $wanted_name, but the ACS resource's system topic is $topic_name (a source has only one).
  azd env set EVENTGRID_SYSTEM_TOPIC_NAME $topic_name"
  fi
  location_of_topic=$(az rest --method get --url "$found?api-version=$EVENTGRID_API" --query location -o tsv --only-show-errors) \
    || fail "could not read system topic $found."
  [ "$(lower "$location_of_topic")" = "global" ] || fail "system topic $found is in location $location_of_topic, not global: it cannot be adopted."
  identity_type=$(az rest --method get --url "$found?api-version=$EVENTGRID_API" --query identity.type -o tsv --only-show-errors)
  identities=""
  case "$identity_type" in
    *UserAssigned*)
      identities=$(az rest --method get --url "$found?api-version=$EVENTGRID_API" --query "keys(identity.userAssignedIdentities)" -o tsv --only-show-errors \
        | tr '\t' '\n' | tr -d '\r' | grep . | paste -sd, -) || fail "could not read the user-assigned identities of system topic $found."
      ;;
  esac
  tags=$(az rest --method get --url "$found?api-version=$EVENTGRID_API" --query tags -o json --only-show-errors | tr -d '\r\n')
  case "$tags" in "" | null | "{}") tags_b64="" ;; *) tags_b64=$(printf '%s' "$tags" | base64 | tr -d '\n') ;; esac
  set_env EVENTGRID_SYSTEM_TOPIC_NAME "$topic_name"
  set_env EVENTGRID_SYSTEM_TOPIC_RESOURCE_GROUP "$topic_rg"
  set_env EVENTGRID_SYSTEM_TOPIC_USER_IDENTITIES "$identities"
  set_env EVENTGRID_SYSTEM_TOPIC_TAGS "$tags_b64"
  say "adopting the ACS resource's system topic $topic_name (resource group $topic_rg${identities:+; its user-assigned identities are kept})."
else
  set_env EVENTGRID_SYSTEM_TOPIC_RESOURCE_GROUP ""
  set_env EVENTGRID_SYSTEM_TOPIC_USER_IDENTITIES ""
  set_env EVENTGRID_SYSTEM_TOPIC_TAGS ""
fi

# Key Vault: recover a soft-deleted vault; never replace an existing participant index key ---------------------------------
mode=default
vault=$(value AZURE_KEY_VAULT_NAME)
if [ -n "$vault" ]; then
  if az keyvault show "$@" --name "$vault" --only-show-errors -o none 2>/dev/null; then
    mode=default
  elif az keyvault show-deleted "$@" --name "$vault" --only-show-errors -o none 2>/dev/null; then
    mode=recover
    say "Key Vault $vault is soft-deleted (environment re-created within 90 days): it will be recovered, with its secrets."
  fi
fi
set_env KEY_VAULT_CREATE_MODE "$mode"

# This environment's vaults: the one azd recorded, and any tagged with this environment's name (a fresh azd environment
# on another machine has not recorded it yet).
vault_ids=""
if [ -n "$vault" ] && [ "$mode" = default ]; then
  vault_ids=$(az keyvault show "$@" --name "$vault" --query id -o tsv --only-show-errors 2>/dev/null || true)
fi
if [ -n "$env_name" ]; then
  # (ARM cannot combine a tag filter with a type filter: the type is filtered in the query.)
  tagged=$(az resource list "$@" --tag "azd-env-name=$env_name" --query "[?type=='Microsoft.KeyVault/vaults'].id" -o tsv --only-show-errors) \
    || fail "could not look for this environment's Key Vault (az resource list); refusing to risk replacing its participant index key."
  vault_ids=$(printf '%s\n%s\n' "$vault_ids" "$tagged" | tr -d '\r' | grep . | sort -u || true)
fi
key_exists=false
[ "$mode" = recover ] && key_exists=true
for id in $vault_ids; do
  if out=$(az rest --method get --url "$id/secrets/participant-index-key?api-version=$KEYVAULT_API" --query id -o tsv --only-show-errors 2>&1); then
    key_exists=true
  elif printf '%s' "$out" | grep -qi 'notfound\|not found'; then
    :
  else
    fail "could not check whether Key Vault $id holds participant-index-key:
$out
Refusing to go on: a new key would orphan the participant index."
  fi
done
rotate=$(lower "$(value PARTICIPANT_INDEX_KEY_ROTATE)")
if [ "$rotate" = "true" ]; then
  set_env PARTICIPANT_INDEX_KEY_WRITE true
  set_env PARTICIPANT_INDEX_KEY_ROTATE false
  say "ROTATING the participant index key (PARTICIPANT_INDEX_KEY_ROTATE, now reset): entries under the old key are orphaned;"
  say "run 'recording-archiver participants reindex' after the deployment."
elif [ "$key_exists" = true ]; then
  set_env PARTICIPANT_INDEX_KEY_WRITE false
  [ -z "$(value PARTICIPANT_INDEX_KEY)" ] || say "the vault already holds participant-index-key: it is kept (PARTICIPANT_INDEX_KEY in the azd environment is not written)."
else
  set_env PARTICIPANT_INDEX_KEY_WRITE true
  say "no participant index key in this environment's vault yet: the deployment writes one (generated in Azure unless PARTICIPANT_INDEX_KEY is set)."
fi
