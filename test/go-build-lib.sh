# Shared by test/cluster/build.sh and test/pulumi-engine/build.sh; sourced, not run.

# require_go <label> <why>: exit 1 with a message when Go is missing.
require_go() {
  if ! command -v go >/dev/null 2>&1; then
    echo "$1: Go is not installed ($2)" >&2
    exit 1
  fi
}

# go_build <label> <start epoch> <module dir> <output> <go build args...>:
# `go build -v -trimpath` in <module dir> into <output> via a temp file. -v names
# each package as it is compiled: they are counted so a person sees progress;
# compiler diagnostics pass through. Exits 1 when the build fails.
go_build() {
  local label="$1" start="$2" dir="$3" out="$4" status
  shift 4
  local tmp="$out.tmp.$$"
  set +e
  (cd "$dir" && go build -v -trimpath -o "$tmp" "$@" 2>&1) |
    awk -v start="$start" -v label="$label" '
      /^#|\.go:[0-9]+:|^go: / { print > "/dev/stderr"; next }
      { n++; if (n % 200 == 0) { printf "%s: %d packages compiled (%ds)\n", label, n, systime() - start > "/dev/stderr"; fflush("/dev/stderr") } }
      END { printf "%s: %d packages compiled (%ds)\n", label, n, systime() - start > "/dev/stderr" }'
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ] || [ ! -x "$tmp" ]; then
    rm -f "$tmp"
    echo "$label: go build failed (exit $status); see the errors above" >&2
    exit 1
  fi
  mv "$tmp" "$out"
}
