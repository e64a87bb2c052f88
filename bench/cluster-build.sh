#!/usr/bin/env bash
# Measures a COLD build of the test cluster: empty Go module cache, empty build
# cache, empty output cache, all in a temp dir. Reports wall time and the peak of
# the summed RSS of the build's process tree (sampled every second), then the
# warm start time of the cluster it built. Writes bench/results/cluster-build.json.
#   bash bench/cluster-build.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/cluster-cold-XXXXXX)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export GOMODCACHE="$work/mod" GOCACHE="$work/cache" GITOPS_AGENT_CACHE="$work/out"
start=$(date +%s)
bash "$repo/test/cluster/build.sh" >"$work/build.out" 2>"$work/build.err" &
pid=$!
peak=0
while kill -0 "$pid" 2>/dev/null; do
  # Sum RSS (KiB) over the build's whole process tree.
  pids=$(pstree -p "$pid" 2>/dev/null | grep -o '([0-9]\+)' | tr -d '()' | tr '\n' ',' | sed 's/,$//')
  if [ -n "$pids" ]; then
    rss=$(ps -o rss= -p "$pids" 2>/dev/null | awk '{s+=$1} END {print s+0}')
    [ "$rss" -gt "$peak" ] && peak=$rss
  fi
  sleep 1
done
wait "$pid" || { cat "$work/build.err"; exit 1; }
wall=$(( $(date +%s) - start ))
binary="$(tail -1 "$work/build.out")"
size=$(stat -c %s "$binary")
cd "$repo"
warm=$(GITOPS_AGENT_CACHE="$work/out" npx --no-install ts-node --transpile-only test/cluster/cli.ts --once 2>/dev/null | sed -n 's/cluster ready in \(.*\)s/\1/p')
cat > "$repo/bench/results/cluster-build.json" <<JSON
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "machine": "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(go version | cut -d' ' -f3)",
  "cold_build_seconds": $wall,
  "peak_rss_mib": $(( peak / 1024 )),
  "binary_mib": $(( size / 1048576 )),
  "warm_start_seconds": ${warm:-null}
}
JSON
cat "$repo/bench/results/cluster-build.json"
