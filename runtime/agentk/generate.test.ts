import { podSecurityLabels } from "../common";
import { parseAllDocuments } from "yaml";
import { installObjects, rbacObjects, renderYaml } from "./generate";
import { main } from "./main";

type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } };
const base = { agentToken: "glagent-x", kasAddress: "grpc://kas:8150", namespace: "agents", writeNamespaces: ["dude"] };
const enforced = (objects: readonly unknown[]) =>
  (objects as Obj[]).filter((o) => o.kind === "Namespace").map((o) => [o.metadata.name, o.metadata.labels?.["pod-security.kubernetes.io/enforce"]]);

describe("agentk generate", () => {
  test("Namespaces enforce, warn and audit Pod Security restricted (latest) by default", () => {
    const objects = installObjects(base);
    expect(enforced(objects)).toEqual([["agents", "restricted"], ["dude", "restricted"]]);
    expect((objects as Obj[])[0]?.metadata.labels).toEqual(podSecurityLabels("restricted"));
  });

  test("--pod-security baseline relaxes every Namespace it prints", () => {
    expect(enforced(installObjects({ ...base, podSecurity: "baseline" }))).toEqual([["agents", "baseline"], ["dude", "baseline"]]);
  });

  test("the agent's Lease and inventory ConfigMap come first, before the Role that names them", () => {
    expect((rbacObjects("agents", "agentk", []) as Obj[]).map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      "Lease agents/agentk-lock",
      "ConfigMap agents/agentk-inventory",
      "Role agents/agentk-self",
      "RoleBinding agents/agentk-self",
    ]);
  });

  test("an unknown --pod-security level: exit 2, naming the flag, the value and the levels", async () => {
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main(["generate", "--agent-token", "t", "--kas-address", "grpc://k:1", "--namespace", "a", "--pod-security", "strict"])).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toContain('--pod-security is "strict"; expected one of restricted, baseline, privileged');
    } finally {
      stderr.mockRestore();
    }
  });
});

describe("agentk generate output", () => {
  test("plain YAML: no &anchors or *aliases for the values objects share, and it reads back as the objects", () => {
    const objects = installObjects(base);
    const text = renderYaml(objects);
    expect(text).not.toMatch(/[&*]a\d/);
    expect(parseAllDocuments(text).map((d) => d.toJS() as unknown)).toEqual(objects);
  });

  test("--write-namespace dude twice: one Namespace, one Role and one RoleBinding for it", async () => {
    const out = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      expect(await main(["generate", "--agent-token", "t", "--kas-address", "grpc://k:1", "--namespace", "a", "--write-namespace", "dude", "--write-namespace", "dude"])).toBe(0);
      const docs = parseAllDocuments(out.mock.calls.map((c) => String(c[0])).join("")).map((d) => d.toJS() as Obj);
      expect(docs.filter((o) => o.metadata.namespace === "dude" || o.metadata.name === "dude").map((o) => o.kind)).toEqual(["Namespace", "Role", "RoleBinding"]);
    } finally {
      out.mockRestore();
    }
  });
});
