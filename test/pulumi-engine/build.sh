#!/usr/bin/env bash
# Builds a real Pulumi engine for the tests from the Go module proxy: the
# `pulumi` CLI (engine/: github.com/pulumi/pulumi/pkg/v3) and the Kubernetes
# provider plugin `pulumi-resource-kubernetes` (provider/: pulumi-kubernetes
# provider/v4), into a cache directory keyed by every input of the build.
#
#   bash test/pulumi-engine/build.sh               build if missing, print the bin directory last
#   bash test/pulumi-engine/build.sh --print-path  print the bin directory it has (or will have); build nothing
#
# Cache: $GITOPS_AGENT_CACHE (default ~/.cache/gitops-agent)/pulumi-engine/<key>/bin/{pulumi,pulumi-resource-kubernetes},
# key = sha256 of `go version`, this script (flags, versions), ../go-build-lib.sh, both go.mod and
# go.sum and the provider's Go sources. The provider embeds schema.json and
# terraform-mapping.json copied from its module, whose content go.sum pins.
# Cold: ~22 CPU-minutes (24 min wall on a busy 2-core box); the provider's link peaks at 4.5 GiB
# (bench/README.md, "Pulumi engine build").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${GITOPS_AGENT_CACHE:-$HOME/.cache/gitops-agent}/pulumi-engine"
# shellcheck source=../go-build-lib.sh
source "$here/../go-build-lib.sh"
require_go "pulumi engine" "need Go >= 1.26 to build the Pulumi CLI and Kubernetes provider"

key="$(cd "$here" && {
  go version
  cat build.sh ../go-build-lib.sh engine/go.mod engine/go.sum provider/go.mod provider/go.sum
  find provider -name '*.go' | LC_ALL=C sort | xargs cat
} | sha256sum | cut -c1-16)"
bin="$cache_root/$key/bin"

if [ "${1:-}" = "--print-path" ]; then
  echo "$bin"
  exit 0
fi

if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-resource-kubernetes" ]; then
  echo "pulumi engine: cached binaries in $bin" >&2
  echo "$bin"
  exit 0
fi

# module_version <module> <go.mod>: the version go.mod requires (block or single-line require).
module_version() { sed -n "s#^\(require \|\t\)$1 \(v[^ ]*\).*#\2#p" "$2"; }
engine_version="$(module_version github.com/pulumi/pulumi/pkg/v3 "$here/engine/go.mod")"
provider_module=github.com/pulumi/pulumi-kubernetes/provider/v4
provider_version="$(module_version "$provider_module" "$here/provider/go.mod")"
if [ -z "$engine_version" ] || [ -z "$provider_version" ]; then
  echo "pulumi engine: cannot read the pulumi or provider version from engine/go.mod, provider/go.mod" >&2
  exit 1
fi

mkdir -p "$bin"
start=$(date +%s)
echo "pulumi engine: building pulumi $engine_version and pulumi-resource-kubernetes $provider_version from Go modules into $bin" >&2
echo "pulumi engine: a cold build takes ~22 CPU-minutes (10-25 min on 2 cores) and 4.5 GiB of memory; progress follows" >&2

# build <name> <module dir> <package> <ldflags>: go build into $bin/<name>.
build() {
  (cd "$2" && go mod download) >&2
  go_build "pulumi engine: $1" "$start" "$2" "$bin/$1" -ldflags="-s -w $4" "$3"
}

if [ ! -x "$bin/pulumi" ]; then
  build pulumi "$here/engine" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$engine_version"
fi

if [ ! -x "$bin/pulumi-resource-kubernetes" ]; then
  # The provider's main embeds two JSON files from the provider module: build a
  # copy of provider/ with them beside main.go (the source tree stays clean).
  stage="$cache_root/$key/provider-src"
  rm -rf "$stage"
  mkdir -p "$stage"
  cp "$here/provider/go.mod" "$here/provider/go.sum" "$here"/provider/*.go "$stage/"
  (cd "$stage" && go mod download "$provider_module") >&2
  module_dir="$(cd "$stage" && go list -m -f '{{.Dir}}' "$provider_module")"
  cp "$module_dir/cmd/pulumi-resource-kubernetes/schema.json" "$module_dir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" "$stage/"
  chmod u+w "$stage"/*.json
  # Plugin versions are semver without the Go "v".
  build pulumi-resource-kubernetes "$stage" . \
    "-X $provider_module/pkg/version.Version=${provider_version#v}"
  rm -rf "$stage"
fi

# Keep only the binaries for the current inputs: together they are ~400 MB.
find "$cache_root" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
echo "pulumi engine: built in $(( $(date +%s) - start ))s: $bin" >&2
echo "$bin"
