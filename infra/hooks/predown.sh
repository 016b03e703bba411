#!/bin/sh
# azd predown hook: runs before `azd down` deletes this environment's resource group — and with it the archive
# account, every recording, version and soft-deleted blob. In this order, and nothing is deleted unless all pass:
#  1. Delete locks in the resource group (the template's on the archive account, default on) would make azd down fail
#     half-way: refuse, and say how to remove them for a deliberate teardown.
#  2. The archive still holds recordings (any blob or version in the recordings container, or it cannot be listed):
#     refuse unless ARCHIVE_DELETE_CONFIRM names the archive account.
#  3. Delete this environment's Event Grid subscription — only if it delivers to this environment's function app
#     (another environment on the same ACS resource may use the same name).
# The system topic lives in the ACS resource's resource group (an ACS resource has one, possibly shared) and is left
# in place: it costs nothing without subscriptions. Delete it yourself if nothing else uses it (docs/deployment.md).
set -eu

EVENTGRID_API=2025-02-15
LOCKS_API=2020-05-01
STORAGE_API=2023-05-01

say() { echo "predown: $*"; }
fail() {
  echo "predown: $*" >&2
  exit 1
}
lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }
command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is required: https://aka.ms/azure-cli"

if [ -z "${AZURE_FUNCTION_APP_ID:-}" ] && command -v azd >/dev/null 2>&1; then
  eval "$(azd env get-values 2>/dev/null | grep -E '^(AZURE_(FUNCTION_APP_ID|FUNCTION_APP_HOSTNAME|SUBSCRIPTION_ID|RESOURCE_GROUP)|ARCHIVE_(STORAGE_ACCOUNT_(NAME|ID)|RECORDINGS_CONTAINER|DELETE_CONFIRM)|EVENTGRID_(SYSTEM_TOPIC_ID|SUBSCRIPTION_NAME))=' || true)"
fi

# 1. Locks ----------------------------------------------------------------------------------------------------------
if [ -n "${AZURE_SUBSCRIPTION_ID:-}" ] && [ -n "${AZURE_RESOURCE_GROUP:-}" ]; then
  rg_id="/subscriptions/$AZURE_SUBSCRIPTION_ID/resourceGroups/$AZURE_RESOURCE_GROUP"
  if locks=$(az rest --method get --url "$rg_id/providers/Microsoft.Authorization/locks?api-version=$LOCKS_API" \
    --query "value[].id" -o tsv --only-show-errors 2>/dev/null); then
    if [ -n "$locks" ]; then
      fail "resource group $AZURE_RESOURCE_GROUP has delete locks, so azd down would fail; nothing was deleted:
$(printf '%s\n' "$locks" | tr -d '\r' | sed 's/^/  /')
The archive account's lock protects every recording. For a deliberate teardown (docs/deployment.md, \"Teardown\"):
  1. copy out what you must keep (the archive CLI, or azcopy with your own identity);
  2. az lock delete --ids <lock id above>;
  3. ARCHIVE_DELETE_CONFIRM=${ARCHIVE_STORAGE_ACCOUNT_NAME:-<archive account>} azd down"
    fi
  else
    say "WARNING: could not list the resource group's locks; if one exists, azd down will fail at deleting the group."
  fi
fi

# 2. Recordings -----------------------------------------------------------------------------------------------------
account=${ARCHIVE_STORAGE_ACCOUNT_NAME:-}
if [ -n "$account" ]; then
  confirmed=false
  [ "${ARCHIVE_DELETE_CONFIRM:-}" = "$account" ] && confirmed=true
  gone=false
  if [ -n "${ARCHIVE_STORAGE_ACCOUNT_ID:-}" ]; then
    if ! out=$(az rest --method get --url "$ARCHIVE_STORAGE_ACCOUNT_ID?api-version=$STORAGE_API" --query name -o tsv --only-show-errors 2>&1); then
      printf '%s' "$out" | grep -qi 'notfound\|not found' && gone=true
    fi
  fi
  if [ "$gone" = true ]; then
    say "the archive account $account no longer exists."
  elif [ "$confirmed" = true ]; then
    say "ARCHIVE_DELETE_CONFIRM names the archive account $account: it is deleted with the resource group, recordings and all."
  else
    container=${ARCHIVE_RECORDINGS_CONTAINER:-recordings}
    if held=$(az storage blob list --auth-mode login --account-name "$account" --container-name "$container" --include dv \
      --num-results 1 --query "[].name" -o tsv --only-show-errors 2>&1); then
      if [ -n "$(printf '%s' "$held" | grep -v '^WARNING' || true)" ]; then
        fail "the archive account $account still holds recordings (container $container); azd down would delete them all.
Copy out what you must keep, then confirm by naming the account:
  ARCHIVE_DELETE_CONFIRM=$account azd down        (docs/deployment.md, \"Teardown\")"
      fi
      say "the archive's $container container is empty."
    else
      fail "could not list the archive account $account to see whether it holds recordings:
$held
(listing needs Storage Blob Data Reader on it, and network access). To delete it anyway, confirm by naming it:
  ARCHIVE_DELETE_CONFIRM=$account azd down"
    fi
  fi
fi

# 3. The Event Grid subscription, only if it delivers to this environment's app ----------------------------------------
if [ -z "${EVENTGRID_SYSTEM_TOPIC_ID:-}" ] || [ -z "${EVENTGRID_SUBSCRIPTION_NAME:-}" ]; then
  say "no Event Grid subscription recorded in this environment; nothing to delete."
  exit 0
fi
url="$EVENTGRID_SYSTEM_TOPIC_ID/eventSubscriptions/$EVENTGRID_SUBSCRIPTION_NAME?api-version=$EVENTGRID_API"
if ! destination=$(az rest --method get --url "$url" \
  --query "[properties.destination.properties.resourceId, properties.destination.properties.endpointBaseUrl]" -o tsv --only-show-errors 2>/dev/null); then
  say "Event Grid subscription $EVENTGRID_SUBSCRIPTION_NAME does not exist; nothing to delete."
  exit 0
fi
destination=$(lower "$(printf '%s' "$destination" | tr -d '\r' | tr '\t\n' '  ')")
app_id=$(lower "${AZURE_FUNCTION_APP_ID:-}")
host=$(lower "${AZURE_FUNCTION_APP_HOSTNAME:-}")
ours=false
if [ -n "$app_id" ]; then
  case " $destination " in *" $app_id/functions/"*) ours=true ;; esac
fi
if [ -n "$host" ]; then
  case "$destination" in *"https://$host/"*) ours=true ;; esac
fi
if [ "$ours" != true ]; then
  say "Event Grid subscription $EVENTGRID_SUBSCRIPTION_NAME delivers to another app ($destination), not to this environment's:"
  say "left in place (another environment on the same ACS resource uses it)."
  exit 0
fi
say "deleting Event Grid subscription $EVENTGRID_SUBSCRIPTION_NAME..."
az rest --method delete --url "$url" -o none --only-show-errors
say "deleted."
