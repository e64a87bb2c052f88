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

if ! command -v go >/dev/null 2>&1; then
  echo "test cluster: Go is not installed (need Go >= 1.26 to build Kubernetes 1.36 from the module proxy)" >&2
  exit 1
fi

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
tmp="$out.tmp.$$"
# -v names each package as it is compiled: count them so a person sees progress.
set +e
(cd "$here" && go build -v -trimpath -ldflags='-s -w' -o "$tmp" ./cmd/kcluster 2>&1) |
  awk -v start="$start" '
    # Compiler diagnostics ("# pkg", "file.go:12:3: ...", "go: ...") pass through; package names are counted.
    /^#|\.go:[0-9]+:|^go: / { print > "/dev/stderr"; next }
    { n++; if (n % 200 == 0) { printf "test cluster: %d packages compiled (%ds)\n", n, systime() - start > "/dev/stderr"; fflush("/dev/stderr") } }
    END { printf "test cluster: %d packages compiled\n", n > "/dev/stderr" }'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ] || [ ! -x "$tmp" ]; then
  rm -f "$tmp"
  echo "test cluster: go build failed (exit $status); see the errors above" >&2
  exit 1
fi
mv "$tmp" "$out"
# Keep only the binary for the current inputs: each is ~180 MB.
find "$cache_root" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
echo "test cluster: built in $(( $(date +%s) - start ))s: $out" >&2
echo "$out"
