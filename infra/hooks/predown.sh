#!/bin/sh
# azd predown hook: deletes the Event Grid subscription that postdeploy created. `azd down` deletes
# this environment's resource group only; the system topic lives in the ACS resource's resource
# group (an ACS resource has one system topic, possibly shared) and is left in place: it costs
# nothing without subscriptions. Delete it yourself if nothing else uses it (README).
set -eu

say() { echo "predown: $*"; }
command -v az >/dev/null 2>&1 || { echo "predown: the Azure CLI (az) is required: https://aka.ms/azure-cli" >&2; exit 1; }

if [ -z "${EVENTGRID_SYSTEM_TOPIC_ID:-}" ] && command -v azd >/dev/null 2>&1; then
  eval "$(azd env get-values 2>/dev/null | grep -E '^EVENTGRID_(SYSTEM_TOPIC_ID|SUBSCRIPTION_NAME)=' || true)"
fi
if [ -z "${EVENTGRID_SYSTEM_TOPIC_ID:-}" ] || [ -z "${EVENTGRID_SUBSCRIPTION_NAME:-}" ]; then
  say "no Event Grid subscription recorded in this environment; nothing to delete."
  exit 0
fi

url="$EVENTGRID_SYSTEM_TOPIC_ID/eventSubscriptions/$EVENTGRID_SUBSCRIPTION_NAME?api-version=2025-02-15"
if az rest --method get --url "$url" -o none --only-show-errors 2>/dev/null; then
  say "deleting Event Grid subscription $EVENTGRID_SUBSCRIPTION_NAME..."
  az rest --method delete --url "$url" -o none --only-show-errors
  say "deleted."
else
  say "Event Grid subscription $EVENTGRID_SUBSCRIPTION_NAME does not exist; nothing to delete."
fi
