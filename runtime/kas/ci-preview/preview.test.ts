import type { PreviewResult } from "../../rpc";
import { previewFlags } from "./flags";
import { noteTarget, noteUrl } from "./mr-note";
import { renderMarkdown, renderText } from "./render";

const result: PreviewResult = {
  project_id: "group/app",
  commit_id: "0123456789abcdef0123456789abcdef01234567",
  objects: [
    { ref: { group: "", kind: "ConfigMap", namespace: "dude", name: "settings" }, action: "change", changes: [{ path: "data.b", op: "removed", before: "2" }] },
    { ref: { group: "apps", kind: "Deployment", namespace: "dude", name: "web" }, action: "change", changes: [{ path: "spec.replicas", op: "changed", before: 1, after: 3 }] },
    { ref: { group: "", kind: "Service", namespace: "dude", name: "web" }, action: "unchanged" },
    { ref: { group: "rbac.authorization.k8s.io", kind: "Role", namespace: "dude", name: "reader" }, action: "create" },
    { ref: { group: "", kind: "ConfigMap", namespace: "naww", name: "x" }, action: "forbidden", message: 'configmaps "x" is forbidden: a|b' },
  ],
  prune: { enabled: true, objects: [{ group: "", kind: "Secret", namespace: "dude", name: "old" }] },
  rbac: [{ ref: { group: "rbac.authorization.k8s.io", kind: "Role", namespace: "dude", name: "reader" }, created: true, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }], subjects: [] }],
};

describe("gitops-agent preview: the terminal form and the merge request note", () => {
  test("text: failures first, changes under their object, unchanged counted", () => {
    expect(renderText(result, "group/agent-config:ci-agent")).toBe(
      [
        "Preview of group/app at 0123456789abcdef0123456789abcdef01234567 by agent group/agent-config:ci-agent",
        '  forbidden    ConfigMap naww/x: configmaps "x" is forbidden: a|b',
        "  create       Role.rbac.authorization.k8s.io dude/reader",
        "  change       ConfigMap dude/settings",
        '               - data.b (was "2")',
        "  change       Deployment.apps dude/web",
        "               ~ spec.replicas: 1 -> 3",
        "  unchanged    1 object",
        "Prune would delete:",
        "  Secret dude/old",
        "RBAC added or widened:",
        "  Role.rbac.authorization.k8s.io dude/reader (new)",
        '    + rule {"apiGroups":[""],"resources":["configmaps"],"verbs":["get"]}',
        "Result: the apply would fail on 1 object",
        "",
      ].join("\n"),
    );
  });

  test("markdown: a table with pipes escaped; prune and RBAC below", () => {
    const md = renderMarkdown(result, "group/agent-config:ci-agent");
    expect(md).toContain("### GitOps preview: `group/app` at `0123456789ab`");
    expect(md).toContain("Agent `group/agent-config:ci-agent`: **the apply would fail on 1 object**.");
    expect(md).toContain('| `ConfigMap naww/x` | :no_entry: forbidden | `configmaps "x" is forbidden: a\\|b` |');
    expect(md).toContain('| `ConfigMap dude/settings` | change | `- data.b (was "2")` |');
    expect(md).toContain("**Prune would delete:** `Secret dude/old`");
    expect(md).toContain('  - `+ rule {"apiGroups":[""],"resources":["configmaps"],"verbs":["get"]}`');
  });

  test("prune off and nothing to do", () => {
    const calm: PreviewResult = { ...result, objects: [result.objects[2]!], prune: { enabled: false, objects: [] }, rbac: [] };
    const text = renderText(calm, "a");
    expect(text).toContain("Prune would delete: prune is off for this project: nothing is deleted");
    expect(text).toContain("RBAC added or widened: none");
    expect(text).toContain("Result: the apply would succeed");
  });
});

describe("gitops-agent preview: flags and the note's target", () => {
  test("required flags, the format and the token variables checked at once", () => {
    expect(previewFlags({ kas: "http://kas", commit: "main", format: "html", "token-env": "1X" })).toEqual({
      errors: [
        '--kas is "http://kas"; expected a URL https:// followed by host[:port], e.g. https://kas.example.com:8150',
        "--agent is required: the agent's name or <config project path>:<name>",
        '--commit is "main"; expected a commit SHA (4 to 40 lowercase hex digits)',
        '--format is "html"; expected one of text, markdown, json',
        '--token-env is "1X"; expected the name of an environment variable such as KAS_ID_TOKEN',
      ],
    });
    expect(previewFlags({ kas: "https://kas", agent: "a", commit: "abcd", "mr-note": true })).toEqual({
      ok: { kas: "https://kas", agent: "a", commit: "abcd", format: "text", tokenEnv: "KAS_ID_TOKEN", noteTokenEnv: "GITLAB_NOTE_TOKEN", mrNote: true },
    });
  });

  test("the note needs a merge request pipeline's variables and a token; the URL escapes the project", () => {
    expect(noteTarget({}, "T")).toEqual({ missing: '$CI_API_V4_URL, $CI_PROJECT_ID, $CI_MERGE_REQUEST_IID are not set: not a merge request pipeline (rules: if: $CI_PIPELINE_SOURCE == "merge_request_event")' });
    const vars = { CI_API_V4_URL: "https://gl/api/v4/", CI_PROJECT_ID: "g/p", CI_MERGE_REQUEST_IID: "3" };
    expect(noteTarget(vars, "T")).toEqual({ missing: "$T is empty: expected a GitLab token with scope api that may comment on the merge request" });
    expect(noteTarget({ ...vars, T: " tok " }, "T")).toEqual({ ok: { apiUrl: "https://gl/api/v4/", projectId: "g/p", mergeRequestIid: "3", token: "tok" } });
    expect(noteUrl({ apiUrl: "https://gl/api/v4/", projectId: "g/p", mergeRequestIid: "3" })).toBe("https://gl/api/v4/projects/g%2Fp/merge_requests/3/notes");
  });
});
