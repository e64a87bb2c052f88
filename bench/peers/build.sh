#!/usr/bin/env bash
# Builds the apply benchmark's peers harness (GitLab agentk's cli-utils
# applier and Flux's fluxcd/pkg/ssa, driven by bench/peers/*.go) from the Go
# module proxy, into a cache directory keyed by every input of the build.
# Benchmarks build it on demand; CI does not (it runs tests, not benchmarks).
#
#   bash bench/peers/build.sh               build if missing, print the binary's path last
#   bash bench/peers/build.sh --print-path  print the path the binary has (or will have); build nothing
#
# Cache: $GITOPS_AGENT_CACHE (default ~/.cache/gitops-agent)/bench-peers/<key>/peers,
# key = sha256 of go.mod, go.sum, the Go sources and `go version`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${GITOPS_AGENT_CACHE:-$HOME/.cache/gitops-agent}/bench-peers"
# shellcheck source=../../test/go-build-lib.sh
source "$here/../../test/go-build-lib.sh"
require_go "bench peers" "need Go >= 1.26 to build sigs.k8s.io/cli-utils and fluxcd/pkg/ssa from the module proxy"

key="$(cd "$here" && { go version; cat go.mod go.sum; find . -maxdepth 1 -name '*.go' | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-16)"
out="$cache_root/$key/peers"

if [ "${1:-}" = "--print-path" ]; then
  echo "$out"
  exit 0
fi

if [ -x "$out" ]; then
  echo "bench peers: cached binary $out" >&2
  echo "$out"
  exit 0
fi

mkdir -p "$cache_root/$key"
start=$(date +%s)
echo "bench peers: building sigs.k8s.io/cli-utils $(sed -n 's/^\tsigs.k8s.io\/cli-utils \(v[0-9.]*\)$/\1/p' "$here/go.mod") and fluxcd/pkg/ssa $(sed -n 's/^\tgithub.com\/fluxcd\/pkg\/ssa \(v[0-9.]*\)$/\1/p' "$here/go.mod") into $out" >&2
(cd "$here" && go mod download) >&2
go_build "bench peers" "$start" "$here" "$out" -ldflags='-s -w' .
# Keep only the binary for the current inputs.
find "$cache_root" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
echo "bench peers: built in $(( $(date +%s) - start ))s: $out" >&2
echo "$out"
