import { previewFails, type PreviewResult } from "./preview";
import { parseKasPreviewRequest, parsePreviewRefusal, parsePreviewRequest, parsePreviewResult } from "./preview-parse";

const result: PreviewResult = {
  project_id: "g/p",
  commit_id: "a".repeat(40),
  objects: [
    { ref: { group: "", kind: "ConfigMap", namespace: "dude", name: "c" }, action: "change", changes: [{ path: "data.b", op: "removed", before: "2" }] },
    { ref: { group: "", kind: "ConfigMap", namespace: "naww", name: "x" }, action: "forbidden", message: "nope" },
  ],
  prune: { enabled: true, objects: [{ group: "apps", kind: "Deployment", namespace: "dude", name: "old" }] },
  rbac: [{ ref: { group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "r" }, created: true, rules: [{ verbs: ["get"] }], subjects: [] }],
};

describe("preview wire shapes", () => {
  test("a result survives JSON both ways", () => {
    expect(parsePreviewResult(JSON.parse(JSON.stringify(result)))).toEqual({ ok: true, value: result });
  });

  test.each([
    [{ ...result, objects: [{ ref: result.objects[0]!.ref, action: "explode" }] }, 'preview result: objects[0].action: "explode"; expected one of create, change, unchanged, forbidden, invalid, out_of_scope'],
    [{ ...result, prune: { enabled: "yes", objects: [] } }, "preview result: body.prune.enabled: expected a boolean"],
    [{ ...result, objects: [{ ref: { group: "", kind: "X" }, action: "create" }] }, "preview result: objects[0].ref.name: expected a string, got undefined"],
  ])("a result that is not what agentk sends names the field: %#", (json, reason) => {
    expect(parsePreviewResult(json)).toEqual({ ok: false, reason });
  });

  test("requests: agentk's and kas's", () => {
    expect(parsePreviewRequest({ project_id: "g/p", commit_id: "c", files: [{ source: "a.yaml", data: "eA==" }] })).toEqual({ ok: true, value: { project_id: "g/p", commit_id: "c", files: [{ source: "a.yaml", data: "eA==" }] } });
    expect(parsePreviewRequest({ project_id: "g/p", commit_id: "c", files: [{ source: 1 }] })).toEqual({ ok: false, reason: "preview request: files[0].source: expected a string, got 1" });
    expect(parseKasPreviewRequest({ commit: "abc123", project: "g/p" })).toEqual({ ok: true, value: { commit: "abc123", project: "g/p" } });
    expect(parseKasPreviewRequest({ commit: "main" })).toEqual({ ok: false, reason: 'preview request: body.commit: "main"; expected a commit SHA (4 to 40 lowercase hex digits)' });
    expect(parseKasPreviewRequest([])).toEqual({ ok: false, reason: "preview request: body: expected an object" });
  });

  test("refusals and the verdict", () => {
    expect(parsePreviewRefusal({ refused: "why" })).toBe("why");
    expect(parsePreviewRefusal({ kind: "Status" })).toBeUndefined();
    expect(previewFails(result)).toBe(true);
    expect(previewFails({ ...result, objects: [result.objects[0]!] })).toBe(false);
    expect(previewFails({ ...result, objects: [], rejected: ["a.yaml: bad"] })).toBe(true);
  });
});
