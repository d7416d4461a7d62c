#!/bin/sh
# Registers the search attributes of src/shared/search-attributes.ts (kept in sync by test/unit/config-deploy.test.ts).
# Idempotent: existing attributes are left alone. Runs in temporalio/admin-tools before the worker starts.
set -eu
address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"

tries=0
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -gt 90 ]; then echo "Temporal at $address did not become healthy" >&2; exit 1; fi
  sleep 2
done

existing="$(temporal operator search-attribute list --address "$address" --namespace "$namespace")"
for name in MjTaskId MjStatus MjAction MjMode; do
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "search attribute $name already registered"
  else
    temporal operator search-attribute create --address "$address" --namespace "$namespace" --name "$name" --type Keyword
    echo "search attribute $name registered"
  fi
done
