/**
 * `npm run rbac:diff` as CI runs it: a child process on two stack files,
 * through the same ts-node command package.json wires.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const EXAMPLE = path.join(ROOT, "examples/dude-naww/Pulumi.dude-naww.yaml");
let dir: string;

beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), "rbac-diff-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stackFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function rbacDiff(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const tsNode = path.join(ROOT, "node_modules/ts-node/dist/bin.js");
  const res = spawnSync(process.execPath, [tsNode, "--transpile-only", "infra/rbac/diff-cli.ts", ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe("rbac:diff CLI", () => {
  test("naww none -> write: exit 3 (changes) and a table of what naww gains", () => {
    const before = stackFile("old.yaml", readFileSync(EXAMPLE, "utf8"));
    const after = stackFile("new.yaml", readFileSync(EXAMPLE, "utf8").replace("naww: none", "naww: write"));
    const res = rbacDiff("--", before, after);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(3);
    const lines = res.stdout.split("\n");
    expect(lines[0]).toBe("naww: none -> write");
    expect(lines).toContain("NAMESPACE | CHANGE  | API GROUPS        | RESOURCES                                        | VERBS");
    expect(res.stdout).toMatch(/^naww +\| \+ grant \| apps +\| daemonsets, deployments, replicasets, +\| get, list, watch, create, update, patch, delete$/m);
    expect(res.stdout).not.toMatch(/^dude /m);
  });

  test("dude write -> admin and a clusterResources opt-in: both highlighted first, then the rows", () => {
    const before = stackFile("old-admin.yaml", readFileSync(EXAMPLE, "utf8"));
    const after = stackFile(
      "new-admin.yaml",
      `${readFileSync(EXAMPLE, "utf8").replace("dude: { access: write", "dude: { access: admin").trimEnd()}\n  gitops-agent:clusterResources: [customresourcedefinitions]\n`,
    );
    const res = rbacDiff(before, after);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(3);
    expect(res.stdout.split("\n").slice(0, 2)).toEqual([
      "! (cluster-wide): none -> cluster resources: cluster-scoped write rights change: the agent reaches past its namespaces (gitops-agent:clusterResources)",
      "! dude: write -> admin: the agent may now write Roles and RoleBindings here: a commit can hand its rights in this namespace to anyone",
    ]);
    expect(res.stdout).toMatch(/^dude +\| \+ grant \| rbac\.authorization\.k8s\.io +\| rolebindings, roles +\| get, list, watch, create, update, patch, delete$/m);
    expect(res.stdout).toMatch(/^\(cluster-wide\) +\| \+ grant \| apiextensions\.k8s\.io +\| customresourcedefinitions +\| get, list, watch, create, update, patch, delete$/m);
  });

  test("agent.impersonation added: exit 3, the (impersonation) row highlighted first", () => {
    const before = stackFile("old-imp.yaml", readFileSync(EXAMPLE, "utf8"));
    const after = stackFile(
      "new-imp.yaml",
      readFileSync(EXAMPLE, "utf8").replace("    replicas: 1\n", "    replicas: 1\n    impersonation: { ciJob: true, groups: [gitlab:project:42] }\n"),
    );
    const res = rbacDiff(before, after);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(3);
    expect(res.stdout.split("\n")[0]).toBe("! (impersonation): none -> impersonation: whom the agent may impersonate changes: kas's CI/CD tunnel sends requests as them (gitops-agent:agent.impersonation)");
    expect(res.stdout).toMatch(/^\(impersonation\) +\| \+ grant \| core +\| groups \(gitlab:ci_job\), +\| impersonate$/m);
  });

  test("the same file twice: exit 0, no RBAC change", () => {
    const res = rbacDiff(EXAMPLE, EXAMPLE);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe("no RBAC change");
  });

  test("an empty old file (a new stack): every grant is new", () => {
    const res = rbacDiff(stackFile("empty.yaml", ""), EXAMPLE);
    expect(res.code).toBe(3);
    expect(res.stdout).toContain("dude: absent -> write");
    expect(res.stdout).toContain("gitlab-k8s-agent: absent -> agent home");
    expect(res.stdout).toContain("naww: absent -> none");
  });

  test("--format markdown, naww none -> read and dude write -> admin: the merge request note, exactly; exit 3", () => {
    const after = stackFile(
      "new-md.yaml",
      readFileSync(EXAMPLE, "utf8").replace("naww: none", "naww: read").replace("dude: { access: write", "dude: { access: admin"),
    );
    const res = rbacDiff("--format", "markdown", EXAMPLE, after);
    expect([res.code, res.stderr]).toEqual([3, ""]);
    const gains = (api: string, resources: string) => `|   | \`naww\` | none → read | gains | \`${api}\` | \`${resources}\` | \`get, list, watch\` |`;
    expect(res.stdout).toBe(
      [
        "**RBAC change for the agent** (2 namespaces): `dude` write → admin, `naww` none → read; ⚠️ 1 escalation-relevant grant.",
        "",
        "- ⚠️ `dude`: the agent may now write Roles and RoleBindings here: a commit can hand its rights in this namespace to anyone",
        "",
        "| Escalation | Namespace | Access | Change | API group | Resources | Verbs |",
        "|---|---|---|---|---|---|---|",
        "| ⚠️ Roles/RoleBindings | `dude` | write → admin | gains | `rbac.authorization.k8s.io` | `rolebindings, roles` | `get, list, watch, create, update, patch, delete` |",
        gains("core", "configmaps, limitranges, persistentvolumeclaims, pods, resourcequotas, serviceaccounts, services"),
        gains("apps", "daemonsets, deployments, replicasets, statefulsets"),
        gains("autoscaling", "horizontalpodautoscalers"),
        gains("batch", "cronjobs, jobs"),
        gains("networking.k8s.io", "ingresses, networkpolicies"),
        gains("policy", "poddisruptionbudgets"),
        "",
      ].join("\n"),
    );
  });

  test("--format markdown: losses are listed and not flagged; Secrets and cluster-scoped gains are", () => {
    const before = stackFile("old-md2.yaml", readFileSync(EXAMPLE, "utf8"));
    const after = stackFile(
      "new-md2.yaml",
      `${readFileSync(EXAMPLE, "utf8")
        .replace("dude: { access: write, podSecurity: baseline }", "dude: { access: read, secrets: true, podSecurity: baseline }")
        .trimEnd()}\n  gitops-agent:clusterResources: [customresourcedefinitions]\n`,
    );
    const res = rbacDiff("--format=markdown", before, after);
    expect([res.code, res.stderr]).toEqual([3, ""]);
    const rows = res.stdout.split("\n").filter((l) => l.startsWith("| "));
    expect(rows).toContainEqual(expect.stringMatching(/^\| ⚠️ cluster-scoped \| `\(cluster-wide\)` \| none → cluster resources \| gains \| `apiextensions\.k8s\.io` \| `customresourcedefinitions` \|/));
    expect(rows).toContainEqual(expect.stringMatching(/^\| ⚠️ Secrets \| `dude` \| write → read \+ secrets \| gains \| `core` \| `secrets` \| `get, list, watch` \|$/));
    expect(rows).toContainEqual(expect.stringMatching(/^\| {3}\| `dude` \| write → read \+ secrets \| loses \| `apps` \|/));
    expect(res.stdout.split("\n")[0]).toMatch(/; ⚠️ 2 escalation-relevant grants\.$/);
  });

  test("--format markdown, no change: exit 0 and one line", () => {
    const res = rbacDiff("--format", "markdown", EXAMPLE, EXAMPLE);
    expect([res.code, res.stdout]).toEqual([0, "**RBAC:** no change for the agent.\n"]);
  });

  test("--format yaml: exit 2 naming the formats", () => {
    const res = rbacDiff("--format", "yaml", EXAMPLE, EXAMPLE);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('rbac:diff: --format: found "yaml"; expected text or markdown');
  });

  test("invalid config: exit 1, the file and every problem named", () => {
    const bad = stackFile("bad.yaml", readFileSync(EXAMPLE, "utf8").replace("naww: none", "naww: writ").replace("name: dude-agent", "name: Dude"));
    const res = rbacDiff(EXAMPLE, bad);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toContain(`rbac:diff: ${bad}: invalid stack config (2 problems):`);
    expect(res.stderr).toContain('gitops-agent:agent.name: found "Dude"');
    expect(res.stderr).toContain('gitops-agent:namespaces.naww: found "writ"; expected one of write, read, none');
  });

  test("a missing file: exit 1 naming it", () => {
    const missing = path.join(dir, "nope.yaml");
    const res = rbacDiff(missing, EXAMPLE);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`rbac:diff: ${missing}: cannot read the stack file`);
  });

  // A usage error exits 2 like every other command here (issue 15); it exited 1 before.
  test("wrong number of arguments: exit 2 with the usage", () => {
    const res = rbacDiff(EXAMPLE);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("expected two stack config files, got 1");
    expect(res.stderr).toContain("usage: npm run rbac:diff -- [--format text|markdown] <old Pulumi.<stack>.yaml> <new Pulumi.<stack>.yaml>");
  });

  test.each([["--help"], ["-h"]])("%s: exit 0, the usage on stdout", (flag) => {
    const res = rbacDiff(flag);
    expect([res.code, res.stderr]).toEqual([0, ""]);
    expect(res.stdout).toMatch(/^Usage:\n {2}rbac:diff \[--format text\|markdown\] <old Pulumi.<stack>.yaml> <new Pulumi.<stack>.yaml>/);
    expect(res.stdout).toContain("An empty old file stands for a new stack");
    expect(res.stdout).toContain("Exit codes: 0 no RBAC change, 3 the RBAC changes (the table printed), 1 bad input (a file missing or invalid), 2 usage error.");
    expect(res.stdout).toMatch(/--format <text\|markdown> +text \(a table for a terminal or CI log\) or markdown \(a merge request note\) \(default "text"\)/);
  });

  test("--version: exit 0", () => {
    const res = rbacDiff("--version");
    expect([res.code, res.stderr]).toEqual([0, ""]);
    expect(res.stdout).toMatch(/^rbac:diff \d+\.\d+\.\d+/);
  });

  test("an unknown flag: exit 2, naming it", () => {
    const res = rbacDiff("--old", EXAMPLE, EXAMPLE);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("rbac:diff: unknown flag --old");
  });
});
