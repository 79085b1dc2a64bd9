#!/usr/bin/env bash
# Installs what the benchmark drives besides the package itself: wrk (the load generator), curl
# (the client of the large transfers) and nginx (the reverse-proxy contender). nginx's own service
# is stopped: the benchmark starts a private instance on a loopback port.
set -euo pipefail
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  as_root service nginx stop >/dev/null 2>&1 || true
fi
for f in build/Release/isapi-host build/Release/isapi_node.so dist/index.js; do
  [ -e "$f" ] || { echo "bench: $f is missing: run npm run setup (or npm run build) first" >&2; exit 1; }
done
