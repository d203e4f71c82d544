#!/usr/bin/env bash
# Installs the real servers and tools the tests start themselves where they are missing: redis-server,
# redis-sentinel and redis-cli (a Redis Cluster is joined with it), haproxy, rabbitmq-server (usage events), kubectl (Debian's kubernetes-client, for the k8s/
# overlays), openssl (Redis TLS) and chromium (the console's browser tests drive it headless over the DevTools protocol).
# Run by the Maven build before the tests (see pom.xml); idempotent; needs root + apt only when something is missing.
set -euo pipefail
missing=()
command -v redis-server > /dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli > /dev/null 2>&1 || missing+=(redis-tools)
command -v haproxy > /dev/null 2>&1 || missing+=(haproxy)
[ -x /usr/bin/redis-sentinel ] || missing+=(redis-sentinel)
[ -x /usr/sbin/rabbitmq-server ] || missing+=(rabbitmq-server)
command -v kubectl > /dev/null 2>&1 || missing+=(kubernetes-client)
command -v openssl > /dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then
  echo "ensure-test-tools: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
else
  echo "ensure-test-tools: please install ${missing[*]} (e.g. apt-get install ${missing[*]})" >&2
  exit 1
fi
