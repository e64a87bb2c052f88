#!/usr/bin/env bash
# The rbac-preview CI job: for every stack config (Pulumi.<stack>.yaml) on the
# merge request's branch or its target branch, `rbac:diff --format markdown`
# between the target's version (`git show origin/<target>:<file>`; absent =
# a new stack) and the MR's (absent = a removed stack). Writes the note to
# $RBAC_DIFF_OUT (default rbac-diff.md, the job's artifact) and, when it shows
# a change or an error, posts it with scripts/post-mr-note.sh.
# Exit codes as rbac:diff's: 0 no RBAC change, 3 the RBAC changes, 1 failure
# (an invalid stack file, git or GitLab), 2 usage.
set -euo pipefail

tools="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:?rbac-preview: CI_MERGE_REQUEST_TARGET_BRANCH_NAME is not set (not a merge request pipeline?)}"
out="${RBAC_DIFF_OUT:-rbac-diff.md}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

git fetch --quiet --depth=1 origin "+refs/heads/$target:refs/remotes/origin/$target"
base="origin/$target"
# Every stack file on either side; Pulumi.yaml itself is the project file (one dot) and does not match.
mapfile -t files < <({ git ls-tree -r --name-only "$base"; git ls-tree -r --name-only HEAD; } |
  grep -E '(^|/)Pulumi\.[^/]+\.yaml$' | sort -u)

code=0
changed=0
body="$work/body.md"
: >"$body"
for f in "${files[@]}"; do
  old="$work/old.yaml" new="$work/new.yaml" md="$work/diff.md" err="$work/diff.err"
  git show "$base:$f" >"$old" 2>/dev/null || : >"$old"
  git show "HEAD:$f" >"$new" 2>/dev/null || : >"$new"
  rc=0
  npm --prefix "$tools" run --silent rbac:diff -- --format markdown "$old" "$new" >"$md" 2>"$err" || rc=$?
  case "$rc" in
    0) continue ;;
    3) changed=$((changed + 1)); [ "$code" = 1 ] || code=3
       { printf '#### `%s`\n\n' "$f"; cat "$md"; printf '\n'; } >>"$body" ;;
    *) code=1
       { printf '#### `%s`: rbac:diff failed (exit %s)\n\n```\n' "$f" "$rc"; sed "s|$work/old.yaml|$base:$f|; s|$work/new.yaml|$f|" "$err"; printf '```\n\n'; } >>"$body" ;;
  esac
done

{
  printf '<!-- gitops-agent:rbac-preview -->\n### RBAC preview: %s → this merge request\n\n' "$target"
  if [ "$code" = 0 ]; then
    printf 'No RBAC change for the agent in %s stack config file(s).\n' "${#files[@]}"
  else
    printf '%s of %s stack config file(s) change the agent'"'"'s RBAC.\n\n' "$changed" "${#files[@]}"
    cat "$body"
  fi
  [ -z "${CI_PIPELINE_URL:-}" ] || printf '\n<sub>Pipeline %s · `npm run rbac:diff -- --format markdown old.yaml new.yaml`</sub>\n' "$CI_PIPELINE_URL"
} >"$out"
cat "$out"

if [ "$code" != 0 ]; then bash "$tools/scripts/post-mr-note.sh" "$out" || code=1; fi
exit "$code"
