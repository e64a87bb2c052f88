#!/usr/bin/env bash
# Builds the test cluster's multi-call binary (kube-apiserver, embedded etcd,
# kube-controller-manager, kube-scheduler, KWOK, kubectl) from the Go module
# proxy, into a cache directory keyed by every input of the build.
#
#   bash test/cluster/build.sh               build if missing, print the binary's path last
#   bash test/cluster/build.sh --print-path  print the path the binary has (or will have); build nothing
#
# Cache: $GITOPS_AGENT_CACHE (default ~/.cache/gitops-agent)/testcluster/<key>/kcluster,
# key = sha256 of go.mod, go.sum, the Go sources and `go version`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${GITOPS_AGENT_CACHE:-$HOME/.cache/gitops-agent}/testcluster"
# shellcheck source=../go-build-lib.sh
source "$here/../go-build-lib.sh"
require_go "test cluster" "need Go >= 1.26 to build Kubernetes 1.36 from the module proxy"

key="$(cd "$here" && { go version; cat go.mod go.sum; find cmd -name '*.go' | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-16)"
out="$cache_root/$key/kcluster"

if [ "${1:-}" = "--print-path" ]; then
  echo "$out"
  exit 0
fi

if [ -x "$out" ]; then
  echo "test cluster: cached binary $out" >&2
  echo "$out"
  exit 0
fi

mkdir -p "$cache_root/$key"
start=$(date +%s)
echo "test cluster: building Kubernetes $(sed -n 's/^\tk8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$here/go.mod") components from Go modules into $out" >&2
echo "test cluster: a cold build takes several minutes on 2 cores; progress follows" >&2
(cd "$here" && go mod download) >&2
go_build "test cluster" "$start" "$here" "$out" -ldflags='-s -w' ./cmd/kcluster
# Keep only the binary for the current inputs: each is ~180 MB.
find "$cache_root" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
echo "test cluster: built in $(( $(date +%s) - start ))s: $out" >&2
echo "$out"
