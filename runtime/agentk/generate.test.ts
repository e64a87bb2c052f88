import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
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

  describe("--ca-cert-file", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "generate-ca-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const run = async (file: string) => {
      const out = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
      const err = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
      try {
        const code = await main(["generate", "--agent-token", "t", "--kas-address", "grpcs://k:1", "--namespace", "a", "--ca-cert-file", file]);
        return { code, stdout: out.mock.calls.map((c) => String(c[0])).join(""), stderr: err.mock.calls.map((c) => String(c[0])).join("") };
      } finally {
        out.mockRestore();
        err.mockRestore();
      }
    };

    test("puts the CA in the Secret as ca.crt and passes --ca-cert-file to agentk", async () => {
      const file = path.join(dir, "ca.pem");
      writeFileSync(file, PEM);
      const { code, stdout } = await run(file);
      expect(code).toBe(0);
      expect(stdout).toContain("ca.crt: |");
      expect(stdout).toContain("--ca-cert-file=/etc/agentk/secret/ca.crt");
    });

    test("a file that is not PEM: exit 2, naming the flag and the file", async () => {
      const file = path.join(dir, "not.pem");
      writeFileSync(file, "hello");
      const { code, stderr } = await run(file);
      expect(code).toBe(2);
      expect(stderr).toContain(`--ca-cert-file ${JSON.stringify(file)}: found no "-----BEGIN CERTIFICATE-----"; expected a PEM CA bundle`);
    });
  });

  test("the Deployment runs as the agent's ServiceAccount, with the credentials digest and the CA option", () => {
    const objects = installObjects({ ...base, name: "dude-agent", caCert: "-----BEGIN CERTIFICATE-----\n" }) as Obj[];
    const deployment = objects.find((o) => o.kind === "Deployment") as unknown as { spec: { template: { metadata: { annotations: Record<string, string> }; spec: { serviceAccountName: string; securityContext: Record<string, unknown> } } } };
    expect(deployment.spec.template.spec.serviceAccountName).toBe("dude-agent");
    expect(deployment.spec.template.spec.securityContext.runAsGroup).toBe(65532);
    expect(deployment.spec.template.metadata.annotations["gitops-agent/credentials-digest"]).toMatch(/^[0-9a-f]{16}$/);
    expect(objects.filter((o) => o.kind === "Lease" || o.kind === "ConfigMap").map((o) => o.metadata.name)).toEqual(["dude-agent-lock", "dude-agent-inventory"]);
  });
});

test("no object is shared within a printed manifest, so the YAML has no anchors", () => {
  const shared = (o: unknown, seen = new Set<unknown>()): number => {
    if (o === null || typeof o !== "object") return 0;
    if (seen.has(o)) return 1;
    seen.add(o);
    return Object.values(o).reduce<number>((n, v) => n + shared(v, seen), 0);
  };
  const objects = installObjects({ ...base, caCert: "-----BEGIN CERTIFICATE-----\n" });
  expect(objects.map((o) => shared(o))).toEqual(objects.map(() => 0));
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
