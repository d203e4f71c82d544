#!/usr/bin/env bash
# Installs the real servers the tests start themselves (redis-server, haproxy) where they are missing.
# Run by the Maven build before the tests (see pom.xml); idempotent; needs root + apt only when something is missing.
set -euo pipefail
missing=()
command -v redis-server > /dev/null 2>&1 || missing+=(redis-server)
command -v haproxy > /dev/null 2>&1 || missing+=(haproxy)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then
  echo "ensure-test-tools: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
else
  echo "ensure-test-tools: please install ${missing[*]} (e.g. apt-get install ${missing[*]})" >&2
  exit 1
fi
