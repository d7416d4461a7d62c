#!/bin/sh
# Creates the namespace when it is missing and registers our search attributes on it. The list comes from
# MJ_SEARCH_ATTRIBUTES (name:type, space-separated), the namespace and its retention from TEMPORAL_NAMESPACE (or
# DEFAULT_NAMESPACE) and DEFAULT_NAMESPACE_RETENTION: all from deploy/cluster.env, which compose passes as env_file
# and the local cluster harness (scripts/cluster) exports. Idempotent: what exists is left alone.
# Runs in temporalio/admin-tools before the worker starts, and in `npm run test:cluster` with the pinned CLI.
set -eu
address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-${DEFAULT_NAMESPACE:-default}}"
retention="${DEFAULT_NAMESPACE_RETENTION:-24h}"
attributes="${MJ_SEARCH_ATTRIBUTES:?set MJ_SEARCH_ATTRIBUTES (name:type ...; see deploy/cluster.env)}"

tries=0
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -gt 90 ]; then echo "Temporal at $address did not become healthy" >&2; exit 1; fi
  sleep 2
done

if temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
  echo "namespace $namespace exists"
else
  temporal operator namespace create --address "$address" --namespace "$namespace" --retention "$retention"
  echo "namespace $namespace created (retention $retention)"
fi

# A new namespace reaches every frontend's cache within seconds; until then listing its attributes fails.
tries=0
until existing="$(temporal operator search-attribute list --address "$address" --namespace "$namespace" 2>&1)"; do
  tries=$((tries + 1))
  if [ "$tries" -gt 30 ]; then echo "cannot list search attributes of $namespace: $existing" >&2; exit 1; fi
  sleep 1
done
for entry in $attributes; do
  name="${entry%%:*}"
  type="${entry#*:}"
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "search attribute $name already registered"
  else
    temporal operator search-attribute create --address "$address" --namespace "$namespace" --name "$name" --type "$type"
    echo "search attribute $name ($type) registered"
  fi
done
