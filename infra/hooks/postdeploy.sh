#!/bin/sh
# azd postdeploy hook: runs after the code is deployed (`azd up`, `azd deploy`). Idempotent.
# By hand after a manual deployment: export the variables listed under "Inputs" from the
# deployment's outputs (infra/README.md) and run it.
#
#  1. Key Vault references: if any is not resolved (role assignments take minutes to apply, and App
#     Service caches a failed resolution), refresh them until they resolve, then restart the app once
#     so that it starts with the real values.
#  2. Waits (bounded: POSTDEPLOY_WAIT_SECONDS, default 900) until the Event Grid-triggered function
#     is listed on the Function App: Event Grid resolves it when the subscription is created.
#  3. Creates or updates the Event Grid subscription with one PUT (same name = update: running this
#     twice leaves one subscription): RecordingFileStatusUpdated only, Azure Function destination,
#     retry policy, dead-lettering into the archive account with the system topic's identity. A subscription of
#     that name that delivers to ANOTHER app (another environment on the same ACS resource) is never taken over.
#     With EVENT_DELIVERY=webhook, steps 2-4 are skipped: the Web Hook subscription is yours to create (docs/deployment.md).
#  4. Warns about any OTHER subscription on the topic that delivers to this app (double delivery).
#  5. Prints GET /api/health (configuration validity and dependencies; no secrets).
#
# Inputs (azd environment = outputs of infra/main.bicep): AZURE_FUNCTION_APP_ID,
# AZURE_FUNCTION_APP_HOSTNAME, EVENTGRID_SYSTEM_TOPIC_ID, EVENTGRID_SUBSCRIPTION_NAME,
# EVENTGRID_FUNCTION_NAME, EVENTGRID_DEADLETTER_STORAGE_ID, EVENTGRID_DEADLETTER_CONTAINER,
# EVENTGRID_MAX_DELIVERY_ATTEMPTS, EVENTGRID_EVENT_TTL_MINUTES; optional EVENT_DELIVERY.
set -eu

WEB_API=2024-04-01
KV_REF_API=2022-03-01
EVENTGRID_API=2025-02-15
WAIT_SECONDS="${POSTDEPLOY_WAIT_SECONDS:-900}"

fail() {
  echo "postdeploy: $*" >&2
  exit 1
}
say() { echo "postdeploy: $*"; }

command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is required: https://aka.ms/azure-cli (then: az login)."

# azd passes its environment to hooks; when run by hand without it, read it from azd if available.
if [ -z "${AZURE_FUNCTION_APP_ID:-}" ] && command -v azd >/dev/null 2>&1; then
  eval "$(azd env get-values 2>/dev/null | grep -E '^(AZURE_FUNCTION_APP_|EVENTGRID_|EVENT_DELIVERY=)[A-Z_]*=?' || true)"
fi
for name in AZURE_FUNCTION_APP_ID AZURE_FUNCTION_APP_HOSTNAME EVENTGRID_SYSTEM_TOPIC_ID EVENTGRID_SUBSCRIPTION_NAME \
  EVENTGRID_FUNCTION_NAME EVENTGRID_DEADLETTER_STORAGE_ID EVENTGRID_DEADLETTER_CONTAINER \
  EVENTGRID_MAX_DELIVERY_ATTEMPTS EVENTGRID_EVENT_TTL_MINUTES; do
  eval "set_value=\${$name:-}"
  [ -n "$set_value" ] || fail "$name is not set (an output of infra/main.bicep; run azd provision, or export it by hand)."
done

app_id=$AZURE_FUNCTION_APP_ID
function_id="$app_id/functions/$EVENTGRID_FUNCTION_NAME"
subscription_id="$EVENTGRID_SYSTEM_TOPIC_ID/eventSubscriptions/$EVENTGRID_SUBSCRIPTION_NAME"
deadline=$(( $(date +%s) + WAIT_SECONDS ))
remaining() { echo $(( deadline - $(date +%s) )); }

# 1. Key Vault references --------------------------------------------------------------------------
unresolved_references() {
  az rest --method get --url "$app_id/config/configreferences/appsettings?api-version=$KV_REF_API" \
    --query "value[?properties.status!='Resolved'].[name, properties.status]" -o tsv --only-show-errors
}
if pending=$(unresolved_references 2>/dev/null); then
  if [ -n "$pending" ]; then
    say "Key Vault references not resolved yet (role assignments can take minutes to apply):"
    echo "$pending" | sed 's/^/  /'
    while :; do
      az rest --method post --url "$app_id/config/configreferences/appsettings/refresh?api-version=$KV_REF_API" -o none --only-show-errors || true
      sleep 20
      pending=$(unresolved_references 2>/dev/null || echo "status unavailable")
      [ -z "$pending" ] && break
      [ "$(remaining)" -gt 0 ] || fail "Key Vault references still unresolved after ${WAIT_SECONDS}s:
$pending
Check that the app's identity has Key Vault Secrets User on the vault and that the secrets exist, then run: azd hooks run postdeploy"
    done
    say "Key Vault references resolved; restarting the app once so that it starts with them."
    az rest --method post --url "$app_id/restart?api-version=$WEB_API" -o none --only-show-errors
  else
    say "Key Vault references resolved."
  fi
else
  say "could not read the Key Vault reference status; restarting the app once to be safe."
  az rest --method post --url "$app_id/restart?api-version=$WEB_API" -o none --only-show-errors
fi

if [ "$(printf '%s' "${EVENT_DELIVERY:-EventGridTrigger}" | tr '[:upper:]' '[:lower:]')" = "webhook" ]; then
  say "EVENT_DELIVERY=webhook: no Event Grid subscription is created here (recordingEventsGrid is disabled)."
  say "Create one Web Hook subscription to https://$AZURE_FUNCTION_APP_HOSTNAME/api/recording-events with a key of its own"
  say "(docs/deployment.md, \"Who can call what\"), and remove any subscription that still targets recordingEventsGrid."
  EVENTGRID_SKIP=true
else
  EVENTGRID_SKIP=false
fi

# 2. Wait for the Event Grid-triggered function -----------------------------------------------------
if [ "$EVENTGRID_SKIP" = false ]; then
say "waiting up to $(remaining)s for function $EVENTGRID_FUNCTION_NAME to be listed..."
while :; do
  if az rest --method get --url "$app_id/functions?api-version=$WEB_API" --query "value[].name" -o tsv --only-show-errors 2>/dev/null \
    | grep -Eq "(^|/)$EVENTGRID_FUNCTION_NAME\$"; then
    break
  fi
  [ "$(remaining)" -gt 0 ] || fail "function $EVENTGRID_FUNCTION_NAME is not listed on the app after ${WAIT_SECONDS}s, so the Event Grid
subscription cannot be created yet. The app may not have started: check https://$AZURE_FUNCTION_APP_HOSTNAME/api/health
(function key), the app's log stream or Application Insights, then run: azd hooks run postdeploy
(POSTDEPLOY_WAIT_SECONDS sets the wait)."
  sleep 15
done
say "function $EVENTGRID_FUNCTION_NAME is listed."

# 3. Create or update the subscription (never one that delivers to another app) -------------------------
if existing=$(az rest --method get --url "$subscription_id?api-version=$EVENTGRID_API" \
  --query "[properties.destination.properties.resourceId, properties.destination.properties.endpointBaseUrl]" -o tsv --only-show-errors 2>/dev/null); then
  existing=$(printf '%s' "$existing" | tr -d '\r' | tr '\t\n' '  ' | tr '[:upper:]' '[:lower:]')
  app_lower=$(printf '%s' "$app_id" | tr '[:upper:]' '[:lower:]')
  host_lower=$(printf '%s' "$AZURE_FUNCTION_APP_HOSTNAME" | tr '[:upper:]' '[:lower:]')
  case " $existing " in
    *" $app_lower/functions/"* | *"https://$host_lower/"*) ;;
    *) fail "Event Grid subscription $EVENTGRID_SUBSCRIPTION_NAME already exists and delivers to another app ($existing):
probably another environment on the same ACS resource. It is left alone. Give this environment its own name:
  azd env set EVENTGRID_SUBSCRIPTION_NAME recording-archiver-<environment> && azd provision && azd hooks run postdeploy" ;;
  esac
fi
body=$(mktemp)
trap 'rm -f "$body"' EXIT
cat >"$body" <<JSON
{
  "properties": {
    "destination": {
      "endpointType": "AzureFunction",
      "properties": {
        "resourceId": "$function_id",
        "maxEventsPerBatch": 1,
        "preferredBatchSizeInKilobytes": 64
      }
    },
    "eventDeliverySchema": "EventGridSchema",
    "filter": {
      "includedEventTypes": ["Microsoft.Communication.RecordingFileStatusUpdated"]
    },
    "retryPolicy": {
      "maxDeliveryAttempts": $EVENTGRID_MAX_DELIVERY_ATTEMPTS,
      "eventTimeToLiveInMinutes": $EVENTGRID_EVENT_TTL_MINUTES
    },
    "deadLetterWithResourceIdentity": {
      "identity": { "type": "SystemAssigned" },
      "deadLetterDestination": {
        "endpointType": "StorageBlob",
        "properties": {
          "resourceId": "$EVENTGRID_DEADLETTER_STORAGE_ID",
          "blobContainerName": "$EVENTGRID_DEADLETTER_CONTAINER"
        }
      }
    }
  }
}
JSON
say "creating or updating Event Grid subscription $EVENTGRID_SUBSCRIPTION_NAME..."
az rest --method put --url "$subscription_id?api-version=$EVENTGRID_API" --body @"$body" \
  --headers "Content-Type=application/json" -o none --only-show-errors \
  || fail "Event Grid refused the subscription (see the error above). If it says the endpoint or its key was not found,
the host has not synced its triggers yet: wait a minute and run: azd hooks run postdeploy"
while :; do
  state=$(az rest --method get --url "$subscription_id?api-version=$EVENTGRID_API" --query properties.provisioningState -o tsv --only-show-errors)
  case "$state" in
    Succeeded) break ;;
    Failed | Canceled) fail "Event Grid subscription $EVENTGRID_SUBSCRIPTION_NAME is $state; run: azd hooks run postdeploy" ;;
  esac
  [ "$(remaining)" -gt 0 ] || fail "Event Grid subscription $EVENTGRID_SUBSCRIPTION_NAME is still $state after ${WAIT_SECONDS}s."
  sleep 10
done
say "Event Grid subscription $EVENTGRID_SUBSCRIPTION_NAME delivers RecordingFileStatusUpdated to $EVENTGRID_FUNCTION_NAME."

# 4. Double delivery check --------------------------------------------------------------------------
app_name=${app_id##*/}
others=$(az rest --method get --url "$EVENTGRID_SYSTEM_TOPIC_ID/eventSubscriptions?api-version=$EVENTGRID_API" \
  --query "value[?name!='$EVENTGRID_SUBSCRIPTION_NAME'].[name, properties.destination.properties.resourceId, properties.destination.properties.endpointBaseUrl]" \
  -o tsv --only-show-errors 2>/dev/null | grep -i "$app_name" || true)
if [ -n "$others" ]; then
  say "WARNING: other subscriptions on the topic also deliver to this app (every event would be archived twice):"
  echo "$others" | cut -f1 | sed 's/^/  /'
  say "delete them (az eventgrid system-topic event-subscription delete ...) unless that is intended."
fi

fi

# 5. Health -----------------------------------------------------------------------------------------
if command -v curl >/dev/null 2>&1; then
  key=$(az rest --method post --url "$app_id/host/default/listkeys?api-version=$WEB_API" --query functionKeys.default -o tsv --only-show-errors 2>/dev/null || true)
  if [ -n "$key" ]; then
    out=$(mktemp)
    header=$(mktemp) # the key goes in a header file (mode 600), not on a command line others can list
    printf 'x-functions-key: %s\n' "$key" >"$header"
    status=$(curl -sS -o "$out" -w '%{http_code}' --max-time 30 -H @"$header" "https://$AZURE_FUNCTION_APP_HOSTNAME/api/health" || echo "no answer")
    rm -f "$header"
    say "GET /api/health -> $status"
    cat "$out" 2>/dev/null && echo
    rm -f "$out"
    [ "$status" = "200" ] || say "WARNING: the app reports a problem (above). It keeps answering Event Grid's handshake and refuses work until it is fixed."
  fi
fi
