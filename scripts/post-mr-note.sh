#!/usr/bin/env bash
# Posts a markdown file as a note on the merge request of this pipeline:
#   scripts/post-mr-note.sh rbac-diff.md
# Needs GITLAB_API_TOKEN (a project access token, role Reporter, scope api; a
# masked CI/CD variable) and GitLab's CI_API_V4_URL, CI_PROJECT_ID and
# CI_MERGE_REQUEST_IID. Without the token it posts nothing and exits 0: the
# file stays the job's artifact. The token goes to curl on stdin, never on a
# command line or in the log. Exit 1 when GitLab does not answer 201.
set -euo pipefail

file="${1:?usage: scripts/post-mr-note.sh <markdown file>}"
[ -f "$file" ] || { echo "post-mr-note: $file: no such file" >&2; exit 1; }
if [ -z "${GITLAB_API_TOKEN:-}" ]; then
  echo "post-mr-note: GITLAB_API_TOKEN is not set: no note posted; the preview is the job artifact $file"
  exit 0
fi
: "${CI_API_V4_URL:?post-mr-note: CI_API_V4_URL is not set (not a GitLab CI job?)}"
: "${CI_PROJECT_ID:?post-mr-note: CI_PROJECT_ID is not set}"
: "${CI_MERGE_REQUEST_IID:?post-mr-note: CI_MERGE_REQUEST_IID is not set (not a merge request pipeline?)}"

url="$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"
response="$(mktemp)"
trap 'rm -f "$response"' EXIT
# printf is a shell builtin: the token reaches curl's stdin (-H @-) without appearing in any argv.
status="$(printf 'PRIVATE-TOKEN: %s\n' "$GITLAB_API_TOKEN" |
  curl --silent --show-error --max-time 30 --header @- --data-urlencode "body@$file" \
    --output "$response" --write-out '%{http_code}' "$url")" || {
  echo "post-mr-note: POST $url failed (curl exit $?)" >&2
  exit 1
}
if [ "$status" != 201 ]; then
  echo "post-mr-note: POST $url answered HTTP $status: $(head -c 500 "$response")" >&2
  exit 1
fi
echo "post-mr-note: posted $file as a note on merge request !$CI_MERGE_REQUEST_IID"
