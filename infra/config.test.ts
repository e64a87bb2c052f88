import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_EKS_VERSION,
  DEFAULT_IMAGE,
  loadStackConfig,
  deploymentProblems,
  parseStackConfig,
  readStackFile,
  readStackSource,
  StackConfigError,
} from "./config";
import { problemsOf } from "../test/config-problems";

const EXAMPLE = path.join(__dirname, "../examples/dude-naww/Pulumi.dude-naww.yaml");

/** A valid raw config; each invalid case changes one key. */
function valid(): Record<string, unknown> {
  return {
    cluster: { provider: "existing", kubeconfig: "~/.kube/config", context: "kind" },
    agent: { name: "dude-agent" },
    namespaces: { dude: "write", naww: "none" },
  };
}

describe("parseStackConfig: valid config", () => {
  test("the dude/naww example file parses, with defaults applied", () => {
    const config = parseStackConfig(readStackFile(EXAMPLE));
    expect(config).toEqual({
      cluster: { provider: "existing", kubeconfig: "~/.kube/config" },
      agent: { name: "dude-agent", namespace: "gitlab-k8s-agent", image: "gitops-agent:0.1.0", replicas: 1 },
      kas: { deploy: true, address: "grpc://kas.gitlab-k8s-agent.svc:8150", image: "gitops-agent:0.1.0", projects: [
        { id: "local/dude-agent", url: "https://git.example.com/platform/dude-naww.git" },
        { id: "root/dude-naww", url: "https://git.example.com/platform/dude-naww.git" },
      ], replicas: 1 },
      namespaces: { dude: { access: "write", secrets: false, podSecurity: "baseline" }, naww: { access: "none", secrets: false } },
      clusterResources: [],
    });
  });

  test("eks cluster defaults; kas address follows the agent namespace; gitlab url loses its trailing slash", () => {
    const config = parseStackConfig({
      cluster: { provider: "eks", region: "eu-west-1" },
      agent: { name: "a1", namespace: "agents" },
      gitlab: { url: "https://gitlab.example.com/", project: "group/sub/agent-config" },
    });
    expect(config.cluster).toEqual({ provider: "eks", region: "eu-west-1", version: DEFAULT_EKS_VERSION, nodeCount: 2, instanceType: "t3.medium" });
    expect(config.kas).toEqual({ deploy: true, address: "grpc://kas.agents.svc:8150", image: DEFAULT_IMAGE, projects: [], replicas: 1 });
    expect(config.gitlab).toEqual({ url: "https://gitlab.example.com", project: "group/sub/agent-config" });
    expect(config.namespaces).toEqual({});
  });

  test("long namespace form: secrets and custom kinds; core is an alias of the core group", () => {
    const config = parseStackConfig({
      ...valid(),
      namespaces: {
        web: { access: "write", secrets: true, kinds: [{ apiGroup: "apps", resources: ["deployments"] }, { apiGroup: "core", resources: ["services"] }] },
        "gitlab-k8s-agent": "read",
      },
    });
    expect(config.namespaces.web).toEqual({
      access: "write",
      secrets: true,
      kinds: [{ apiGroup: "apps", resources: ["deployments"] }, { apiGroup: "", resources: ["services"] }],
    });
    expect(config.namespaces["gitlab-k8s-agent"]).toEqual({ access: "read", secrets: false });
  });

  test("admin, short and long form; clusterResources short form (known group) and long form with resourceNames", () => {
    const config = parseStackConfig({
      ...valid(),
      namespaces: { dude: "admin", web: { access: "admin", kinds: [{ apiGroup: "apps", resources: ["deployments"] }] } },
      clusterResources: ["customresourcedefinitions", { apiGroup: "scheduling.k8s.io", resources: ["priorityclasses"] }, { apiGroup: "storage.k8s.io", resources: ["storageclasses"], resourceNames: ["fast"] }],
    });
    expect(config.namespaces).toEqual({
      dude: { access: "admin", secrets: false },
      web: { access: "admin", secrets: false, kinds: [{ apiGroup: "apps", resources: ["deployments"] }] },
    });
    expect(config.clusterResources).toEqual([
      { apiGroup: "apiextensions.k8s.io", resources: ["customresourcedefinitions"] },
      { apiGroup: "scheduling.k8s.io", resources: ["priorityclasses"] },
      { apiGroup: "storage.k8s.io", resources: ["storageclasses"], resourceNames: ["fast"] },
    ]);
  });

  test("an external kas (deploy false) with a wss address and its own image", () => {
    const config = parseStackConfig({ ...valid(), kas: { deploy: false, address: "wss://kas.example.com/-/kubernetes-agent/", image: "registry.example.com:5000/kas:1.2" } });
    expect(config.kas).toEqual({ deploy: false, address: "wss://kas.example.com/-/kubernetes-agent/", image: "registry.example.com:5000/kas:1.2", projects: [], replicas: 1 });
  });
});

describe("parseStackConfig: every invalid form names its key, what was found and what is expected", () => {
  const withKey = (key: string, value: unknown) => {
    const raw = valid();
    const [top, ...rest] = key.split(".") as [string, ...string[]];
    if (rest.length === 0) raw[top] = value;
    else raw[top] = { ...(raw[top] as object), [rest.join(".")]: value };
    return raw;
  };
  const eks = (extra: Record<string, unknown>) => ({ ...valid(), cluster: { provider: "eks", region: "eu-west-1", ...extra } });

  test.each<[string, Record<string, unknown>, string, string, string]>([
    ["unknown top-level key", { ...valid(), namespace: {} }, "gitops-agent:namespace", "an unknown key", "one of gitops-agent:cluster"],
    ["cluster missing", { agent: { name: "a" } }, "gitops-agent:cluster", "nothing", "a map { provider: eks | existing"],
    ["cluster not a map", withKey("cluster", "eks"), "gitops-agent:cluster", '"eks"', "a map"],
    ["unknown provider", withKey("cluster.provider", "gke"), "gitops-agent:cluster.provider", '"gke"', "one of eks, existing"],
    ["unknown cluster key", withKey("cluster.regoin", "x"), "gitops-agent:cluster.regoin", "an unknown key", "one of provider, region"],
    ["existing without kubeconfig", { ...valid(), cluster: { provider: "existing" } }, "gitops-agent:cluster.kubeconfig", "nothing", "the path of a kubeconfig file"],
    ["existing with an eks field", withKey("cluster.region", "eu-west-1"), "gitops-agent:cluster.region", '"eu-west-1"', "no region with provider existing"],
    ["empty context", withKey("cluster.context", ""), "gitops-agent:cluster.context", '""', "a kubeconfig context name"],
    ["eks without region", { ...valid(), cluster: { provider: "eks" } }, "gitops-agent:cluster.region", "nothing", "an AWS region such as eu-west-1"],
    ["eks with a malformed region", eks({ region: "Europe" }), "gitops-agent:cluster.region", '"Europe"', "an AWS region"],
    ["eks version as a YAML number", eks({ version: 1.3 }), "gitops-agent:cluster.version", "the number 1.3", 'a quoted Kubernetes minor version such as "1.31"'],
    ["eks version malformed", eks({ version: "v1.31.2" }), "gitops-agent:cluster.version", '"v1.31.2"', "a Kubernetes minor version"],
    ["eks nodeCount zero", eks({ nodeCount: 0 }), "gitops-agent:cluster.nodeCount", "the number 0", "a whole number of at least 1"],
    ["eks nodeCount fractional", eks({ nodeCount: 1.5 }), "gitops-agent:cluster.nodeCount", "the number 1.5", "a whole number"],
    ["eks instance type malformed", eks({ instanceType: "medium" }), "gitops-agent:cluster.instanceType", '"medium"', "an EC2 instance type"],
    ["eks with a kubeconfig", eks({ kubeconfig: "~/.kube/config" }), "gitops-agent:cluster.kubeconfig", '"~/.kube/config"', "no kubeconfig with provider eks"],
    ["agent missing", { cluster: valid().cluster }, "gitops-agent:agent", "nothing", "the agent name is required"],
    ["agent name missing", withKey("agent", {}), "gitops-agent:agent.name", "nothing", "a GitLab agent name"],
    ["agent name uppercase", withKey("agent.name", "Dude"), "gitops-agent:agent.name", '"Dude"', "lowercase letters, digits and '-'"],
    ["agent name ends with a dash", withKey("agent.name", "dude-"), "gitops-agent:agent.name", '"dude-"', "a GitLab agent name"],
    ["agent name too long", withKey("agent.name", "a".repeat(64)), "gitops-agent:agent.name", `"${"a".repeat(64)}"`, "at most 63 characters"],
    ["agent namespace invalid", withKey("agent.namespace", "Agents"), "gitops-agent:agent.namespace", '"Agents"', "RFC 1123"],
    ["agent image with a space", withKey("agent.image", "gitops agent"), "gitops-agent:agent.image", '"gitops agent"', "an image reference"],
    ["agent replicas zero", withKey("agent.replicas", 0), "gitops-agent:agent.replicas", "the number 0", "a whole number of at least 1"],
    ["unknown agent key", withKey("agent.token", "x"), "gitops-agent:agent.token", "an unknown key", "one of name, namespace, image, replicas"],
    ["gitlab not a map", withKey("gitlab", "https://gitlab.example.com"), "gitops-agent:gitlab", '"https://gitlab.example.com"', "a map { url, project }"],
    ["gitlab url not http(s)", withKey("gitlab", { url: "ftp://gitlab.example.com", project: "g/p" }), "gitops-agent:gitlab.url", '"ftp://gitlab.example.com"', "an https://"],
    ["gitlab url not a URL", withKey("gitlab", { url: "gitlab.example.com", project: "g/p" }), "gitops-agent:gitlab.url", '"gitlab.example.com"', "an https://"],
    ["gitlab url with credentials", withKey("gitlab", { url: "https://root:pw@gitlab.example.com", project: "g/p" }), "gitops-agent:gitlab.url", "a URL with credentials", "a URL without credentials"],
    ["gitlab project without a group", withKey("gitlab", { url: "https://gitlab.example.com", project: "agent-config" }), "gitops-agent:gitlab.project", '"agent-config"', "group/agent-config or a numeric id"],
    ["kas deploy not a boolean", withKey("kas", { deploy: "yes" }), "gitops-agent:kas.deploy", '"yes"', "true or false"],
    ["kas external without address", withKey("kas", { deploy: false }), "gitops-agent:kas.address", "nothing", "required when kas.deploy is false"],
    ["kas address with https scheme", withKey("kas", { address: "https://kas.example.com" }), "gitops-agent:kas.address", '"https://kas.example.com"', "grpc, grpcs, ws or wss"],
    ["namespaces not a map", withKey("namespaces", ["dude"]), "gitops-agent:namespaces", "a list", "a map of namespace name"],
    ["access misspelt", withKey("namespaces", { dude: "writ" }), "gitops-agent:namespaces.dude", '"writ"', "one of write, read, none"],
    ["access empty", withKey("namespaces", { dude: null }), "gitops-agent:namespaces.dude", "null", "one of write, read, none"],
    ["access a number", withKey("namespaces", { dude: 1 }), "gitops-agent:namespaces.dude", "the number 1", "one of write, read, none, admin, or a map"],
    ["long form access misspelt", withKey("namespaces", { dude: { access: "owner" } }), "gitops-agent:namespaces.dude.access", '"owner"', "one of write, read, none, admin"],
    ["long form unknown key", withKey("namespaces", { dude: { access: "write", verbs: ["*"] } }), "gitops-agent:namespaces.dude.verbs", "an unknown key", "one of access, secrets, kinds"],
    ["podSecurity misspelt", withKey("namespaces", { dude: { access: "write", podSecurity: "strict" } }), "gitops-agent:namespaces.dude.podSecurity", '"strict"', "one of restricted, baseline, privileged"],
    ["secrets not a boolean", withKey("namespaces", { dude: { access: "write", secrets: "yes" } }), "gitops-agent:namespaces.dude.secrets", '"yes"', "true or false"],
    ["none with secrets", withKey("namespaces", { naww: { access: "none", secrets: true } }), "gitops-agent:namespaces.naww", "access none with secrets or kinds", "no secrets or kinds with access none"],
    ["namespace name uppercase", withKey("namespaces", { Dude: "write" }), "gitops-agent:namespaces.Dude", '"Dude"', "a namespace name (RFC 1123 label)"],
    ["namespace name with a dot", withKey("namespaces", { "my.ns": "write" }), 'gitops-agent:namespaces["my.ns"]', '"my.ns"', "RFC 1123"],
    ["namespace name too long", withKey("namespaces", { ["n".repeat(64)]: "read" }), `gitops-agent:namespaces.${"n".repeat(64)}`, `"${"n".repeat(64)}"`, "at most 63 characters"],
    ["kube-system", withKey("namespaces", { "kube-system": "read" }), "gitops-agent:namespaces.kube-system", '"kube-system"', "not kube-*"],
    ["agent namespace listed as none", withKey("namespaces", { "gitlab-k8s-agent": "none" }), "gitops-agent:namespaces.gitlab-k8s-agent", '"none"', "the agent's own namespace"],
    ["kinds empty", withKey("namespaces", { dude: { access: "write", kinds: [] } }), "gitops-agent:namespaces.dude.kinds", "a list", "a non-empty list of { apiGroup, resources }"],
    ["kind not a map", withKey("namespaces", { dude: { access: "write", kinds: ["deployments"] } }), "gitops-agent:namespaces.dude.kinds[0]", '"deployments"', "a map { apiGroup, resources }"],
    ["kind wildcard group", withKey("namespaces", { dude: { access: "write", kinds: [{ apiGroup: "*", resources: ["deployments"] }] } }), "gitops-agent:namespaces.dude.kinds[0].apiGroup", '"*"', "wildcards are not allowed"],
    ["kind group malformed", withKey("namespaces", { dude: { access: "write", kinds: [{ apiGroup: "Apps/v1", resources: ["deployments"] }] } }), "gitops-agent:namespaces.dude.kinds[0].apiGroup", '"Apps/v1"', "an API group such as apps"],
    ["kind without resources", withKey("namespaces", { dude: { access: "write", kinds: [{ apiGroup: "apps" }] } }), "gitops-agent:namespaces.dude.kinds[0].resources", "nothing", "a non-empty list of resource names"],
    ["kind wildcard resource", withKey("namespaces", { dude: { access: "write", kinds: [{ apiGroup: "apps", resources: ["*"] }] } }), "gitops-agent:namespaces.dude.kinds[0].resources[0]", '"*"', "wildcards are not allowed"],
    ["kind secrets", withKey("namespaces", { dude: { access: "read", kinds: [{ apiGroup: "", resources: ["pods", "secrets"] }] } }), "gitops-agent:namespaces.dude.kinds[0].resources[1]", '"secrets"', "grant Secrets with secrets: true"],
    ["kind cluster-scoped", withKey("namespaces", { dude: { access: "write", kinds: [{ apiGroup: "rbac.authorization.k8s.io", resources: ["clusterroles"] }] } }), "gitops-agent:namespaces.dude.kinds[0].resources[0]", '"clusterroles"', "clusterroles is cluster-scoped"],
    ["kind resource malformed", withKey("namespaces", { dude: { access: "write", kinds: [{ apiGroup: "apps", resources: ["Deployment"] }] } }), "gitops-agent:namespaces.dude.kinds[0].resources[0]", '"Deployment"', "a plural lowercase resource name"],
    ["kind rolebindings with write", withKey("namespaces", { dude: { access: "write", kinds: [{ apiGroup: "rbac.authorization.k8s.io", resources: ["rolebindings"] }] } }), "gitops-agent:namespaces.dude.kinds[0].resources[0]", '"rolebindings"', "not an escalation path: rolebindings a RoleBinding hands the agent's rights to anyone, e.g. system:authenticated; use access admin"],
    ["kind roles even with admin", withKey("namespaces", { dude: { access: "admin", kinds: [{ apiGroup: "rbac.authorization.k8s.io", resources: ["roles"] }] } }), "gitops-agent:namespaces.dude.kinds[0].resources[0]", '"roles"', "use access admin"],
    ["kind serviceaccounts/token", withKey("namespaces", { dude: { access: "write", kinds: [{ apiGroup: "", resources: ["serviceaccounts/token"] }] } }), "gitops-agent:namespaces.dude.kinds[0].resources[0]", '"serviceaccounts/token"', "mints tokens"],
    ["kind pods/exec", withKey("namespaces", { dude: { access: "write", kinds: [{ apiGroup: "core", resources: ["pods/exec"] }] } }), "gitops-agent:namespaces.dude.kinds[0].resources[0]", '"pods/exec"', "not an escalation path"],
    ["kind endpoints", withKey("namespaces", { dude: { access: "write", kinds: [{ apiGroup: "", resources: ["endpoints"] }] } }), "gitops-agent:namespaces.dude.kinds[0].resources[0]", '"endpoints"', "CVE-2021-25740"],
    ["clusterResources not a list", withKey("clusterResources", "customresourcedefinitions"), "gitops-agent:clusterResources", '"customresourcedefinitions"', "a list, each entry a known cluster-scoped resource"],
    ["clusterResources unknown short form", withKey("clusterResources", ["crds"]), "gitops-agent:clusterResources[0]", '"crds"', "a known cluster-scoped resource (customresourcedefinitions, "],
    ["clusterResources namespaces", withKey("clusterResources", ["namespaces"]), "gitops-agent:clusterResources[0]", '"namespaces"', "namespaces is refused (the program creates the agent's namespaces"],
    ["clusterResources clusterrolebindings", withKey("clusterResources", [{ apiGroup: "rbac.authorization.k8s.io", resources: ["clusterrolebindings"] }]), "gitops-agent:clusterResources[0].resources[0]", '"clusterrolebindings"', "clusterrolebindings is refused (RBAC is never granted cluster-wide)"],
    ["clusterResources any RBAC kind", withKey("clusterResources", [{ apiGroup: "rbac.authorization.k8s.io", resources: ["roles"] }]), "gitops-agent:clusterResources[0].resources[0]", '"roles"', "RBAC is never granted cluster-wide"],
    ["clusterResources webhooks", withKey("clusterResources", [{ apiGroup: "admissionregistration.k8s.io", resources: ["mutatingwebhookconfigurations"] }]), "gitops-agent:clusterResources[0].resources[0]", '"mutatingwebhookconfigurations"', "Secrets included"],
    ["clusterResources a namespaced kind", withKey("clusterResources", [{ apiGroup: "apps", resources: ["deployments"] }]), "gitops-agent:clusterResources[0].resources[0]", '"deployments"', "it is namespaced, so a ClusterRoleBinding would grant it in every namespace"],
    ["clusterResources persistentvolumes", withKey("clusterResources", [{ apiGroup: "core", resources: ["persistentvolumes"] }]), "gitops-agent:clusterResources[0].resources[0]", '"persistentvolumes"', "a hostPath PersistentVolume mounts a node's root filesystem"],
    ["clusterResources secrets", withKey("clusterResources", [{ apiGroup: "", resources: ["secrets"] }]), "gitops-agent:clusterResources[0].resources[0]", '"secrets"', "it is namespaced"],
    ["clusterResources wildcard resource", withKey("clusterResources", [{ apiGroup: "apiextensions.k8s.io", resources: ["*"] }]), "gitops-agent:clusterResources[0].resources[0]", '"*"', "no wildcards"],
    ["clusterResources wildcard group", withKey("clusterResources", [{ apiGroup: "*", resources: ["customresourcedefinitions"] }]), "gitops-agent:clusterResources[0].apiGroup", '"*"', "no wildcards"],
    ["clusterResources unknown key", withKey("clusterResources", [{ apiGroup: "apiextensions.k8s.io", resources: ["customresourcedefinitions"], verbs: ["get"] }]), "gitops-agent:clusterResources[0].verbs", "an unknown key", "one of apiGroup, resources, resourceNames"],
    ["clusterResources empty resourceNames", withKey("clusterResources", [{ apiGroup: "apiextensions.k8s.io", resources: ["customresourcedefinitions"], resourceNames: [] }]), "gitops-agent:clusterResources[0].resourceNames", "a list", "a non-empty list of object names"],
    ["clusterResources bad resourceName", withKey("clusterResources", [{ apiGroup: "apiextensions.k8s.io", resources: ["customresourcedefinitions"], resourceNames: ["Widgets"] }]), "gitops-agent:clusterResources[0].resourceNames[0]", '"Widgets"', "an object name"],
  ])("%s", (_case, raw, key, found, expected) => {
    const problems = problemsOf(raw);
    const problem = problems.find((p) => p.key === key);
    expect(problem).toBeDefined();
    expect(problem?.found).toBe(found);
    expect(problem?.expected).toContain(expected);
  });

  test("all problems are reported at once, each on its own line of the message", () => {
    let error: unknown;
    try {
      parseStackConfig({ cluster: { provider: "eks", version: 1.3 }, agent: { name: "Dude" }, namespaces: { dude: "writ", naww: "nope" } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StackConfigError);
    const e = error as StackConfigError;
    expect(e.problems.map((p) => p.key)).toEqual([
      "gitops-agent:cluster.region",
      "gitops-agent:cluster.version",
      "gitops-agent:agent.name",
      "gitops-agent:namespaces.dude",
      "gitops-agent:namespaces.naww",
    ]);
    expect(e.message).toContain("invalid stack config (5 problems):");
    expect(e.message).toContain('  - gitops-agent:namespaces.dude: found "writ"; expected one of write, read, none');
  });
});

describe("readStackFile", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), "stack-file-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  test("keeps gitops-agent:* keys without the namespace, drops other namespaces' keys", () => {
    const p = file("a.yaml", "config:\n  aws:region: eu-west-1\n  gitops-agent:agent: { name: a }\n  gitops-agent:namespaces: { dude: write }\n");
    expect(readStackFile(p)).toEqual({ agent: { name: "a" }, namespaces: { dude: "write" } });
  });

  test("an empty file or one without config gives {}", () => {
    expect(readStackFile(file("empty.yaml", ""))).toEqual({});
    expect(readStackFile(file("noconfig.yaml", "encryptionsalt: abc\n"))).toEqual({});
  });

  test.each([
    ["missing file", () => path.join(dir, "nope.yaml"), "cannot read the stack file"],
    ["invalid YAML", () => file("bad.yaml", "config: [\n"), "not valid YAML"],
    ["config not a map", () => file("list.yaml", "config:\n  - a\n"), '"config" must be a map'],
  ])("%s: the error names the file", (_case, make, message) => {
    const p = make();
    const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    // A YAML error now also says where: `file:2:1: not valid YAML`.
    expect(() => readStackFile(p)).toThrow(new RegExp(`^${escape(p)}(:\\d+:\\d+)?: ${escape(message)}`));
  });

  test("a problem in a stack file names its file:line:col", () => {
    const p = file("bad-access.yaml", "config:\n  aws:region: eu-west-1\n  gitops-agent:cluster: { provider: existing, kubeconfig: k }\n  gitops-agent:agent: { name: a }\n  gitops-agent:namespaces:\n    dude: writ\n  gitops-agent:namspaces: {}\n");
    const { raw, source } = readStackSource(p);
    expect(() => parseStackConfig(raw, source)).toThrow(`  - ${p}:6:5: gitops-agent:namespaces.dude: found "writ"; expected one of write, read, none`);
    expect(() => parseStackConfig(raw, source)).toThrow(`  - ${p}:7:3: gitops-agent:namspaces: found an unknown key`);
    expect(() => parseStackConfig(raw)).toThrow('  - gitops-agent:namespaces.dude: found "writ"');
  });
});

describe("loadStackConfig (pulumi.Config)", () => {
  afterEach(() => pulumi.runtime.setAllConfig({}));

  test("reads each gitops-agent key with getObject and validates it", () => {
    pulumi.runtime.setAllConfig({
      "gitops-agent:cluster": JSON.stringify({ provider: "eks", region: "us-east-2", version: "1.30" }),
      "gitops-agent:agent": JSON.stringify({ name: "dude-agent" }),
      "gitops-agent:namespaces": JSON.stringify({ dude: "write" }),
    });
    const config = loadStackConfig();
    expect(config.cluster).toMatchObject({ provider: "eks", region: "us-east-2", version: "1.30" });
    expect(config.namespaces).toEqual({ dude: { access: "write", secrets: false } });
  });

  test("a misspelled key fails instead of being ignored (it was: an agent with no rights and no error)", () => {
    pulumi.runtime.setAllConfig({
      "gitops-agent:cluster": JSON.stringify({ provider: "existing", kubeconfig: "k" }),
      "gitops-agent:agent": JSON.stringify({ name: "dude-agent" }),
      "gitops-agent:kas": JSON.stringify({ deploy: false, address: "grpc://kas.example.com:8150" }),
      "gitops-agent:namespacess": JSON.stringify({ dude: "write" }),
    });
    expect(() => loadStackConfig()).toThrow("gitops-agent:namespacess: found an unknown key");
  });

  test("a plain string where a map belongs is reported as found, not a JSON parse error", () => {
    pulumi.runtime.setAllConfig({ "gitops-agent:cluster": "eks", "gitops-agent:agent": JSON.stringify({ name: "a" }) });
    expect(() => loadStackConfig()).toThrow('gitops-agent:cluster: found "eks"; expected a map');
  });
});

describe("kas.projects and what a deployed kas must serve", () => {
  const base = { cluster: { provider: "existing", kubeconfig: "k" }, agent: { name: "dude-agent" } };

  test("a deployed kas without GitLab must serve the agent's configuration project (it logged 'project is not configured' forever)", () => {
    const config = parseStackConfig(base);
    expect(deploymentProblems(config)).toEqual([
      expect.objectContaining({ key: "gitops-agent:kas.projects", found: "nothing", expected: expect.stringContaining("{ id: local/dude-agent, url:") }),
    ]);
    const other = parseStackConfig({ ...base, kas: { projects: [{ id: "group/other", url: "https://git.example.com/group/other.git" }] } });
    expect(deploymentProblems(other)[0]?.found).toBe("no project with id local/dude-agent (found group/other)");
  });

  test("served, with credentials from a Secret: no problem; GitLab mode and an external kas need none", () => {
    const served = parseStackConfig({
      ...base,
      kas: { projects: [{ id: "local/dude-agent", url: "https://git.example.com/p.git", credentials: { username: "deploy", secretName: "git-credentials" } }] },
    });
    expect(served.kas.projects[0]).toEqual({ id: "local/dude-agent", url: "https://git.example.com/p.git", credentials: { username: "deploy", secretName: "git-credentials", secretKey: "password" } });
    expect(deploymentProblems(served)).toEqual([]);
    expect(deploymentProblems(parseStackConfig({ ...base, gitlab: { url: "https://gitlab.example.com", project: "g/p" } }))).toEqual([]);
    expect(deploymentProblems(parseStackConfig({ ...base, kas: { deploy: false, address: "grpc://kas.example.com:8150" } }))).toEqual([]);
  });

  test.each([
    [{ projects: [{ id: "nogroup", url: "https://x/p.git" }] }, "gitops-agent:kas.projects[0].id"],
    [{ projects: [{ id: "g/p", url: "ftp://x/p.git" }] }, "gitops-agent:kas.projects[0].url"],
    [{ projects: [{ id: "g/p", url: "https://user:pw@x/p.git" }] }, "gitops-agent:kas.projects[0].url"],
    [{ projects: [{ id: "g/p", url: "https://x/p.git" }, { id: "g/p", url: "https://x/q.git" }] }, "gitops-agent:kas.projects[1].id"],
    [{ projects: [{ id: "g/p", url: "https://x/p.git", credentials: { username: "u" } }] }, "gitops-agent:kas.projects[0].credentials.secretName"],
    [{ projects: [{ id: "g/p", url: "https://x/p.git", credentials: { username: "u", secretName: "s", password: "x" } }] }, "gitops-agent:kas.projects[0].credentials"],
    [{ deploy: false, address: "grpc://k:1", projects: [] }, "gitops-agent:kas.projects"],
  ])("%j is refused at %s", (kas, key) => {
    expect(() => parseStackConfig({ ...base, kas })).toThrow(key);
  });
});

describe("kas.kubernetesApi (the CI/CD tunnel's https listener)", () => {
  const base = { cluster: { provider: "existing", kubeconfig: "k" }, agent: { name: "dude-agent" } };
  const api = { tlsSecretName: "kas-k8s-api-tls", oidc: { issuer: "https://gitlab.example.com/", audience: "https://kas.example.com" } };

  test("absent by default; given, read as written (the issuer without its trailing slash)", () => {
    expect(parseStackConfig(base).kas.kubernetesApi).toBeUndefined();
    expect(parseStackConfig({ ...base, kas: { kubernetesApi: api } }).kas.kubernetesApi).toEqual({ tlsSecretName: "kas-k8s-api-tls", oidc: { issuer: "https://gitlab.example.com", audience: "https://kas.example.com" } });
  });

  test.each<[string, unknown, string, string]>([
    ["no Secret", { oidc: api.oidc }, "gitops-agent:kas.kubernetesApi.tlsSecretName", "kubernetes.io/tls Secret"],
    ["a Secret name that is no name", { ...api, tlsSecretName: "Kas TLS" }, "gitops-agent:kas.kubernetesApi.tlsSecretName", "kubernetes.io/tls Secret"],
    ["no oidc", { tlsSecretName: "t" }, "gitops-agent:kas.kubernetesApi.oidc", "a map { issuer, audience }"],
    ["an issuer that is no URL", { ...api, oidc: { ...api.oidc, issuer: "gitlab.example.com" } }, "gitops-agent:kas.kubernetesApi.oidc.issuer", "an https:// URL"],
    ["no audience", { ...api, oidc: { issuer: api.oidc.issuer } }, "gitops-agent:kas.kubernetesApi.oidc.audience", "audience"],
    ["an unknown key", { ...api, port: 443 }, "gitops-agent:kas.kubernetesApi.port", "unknown"],
  ])("%s: refused, naming the key", (_name, kubernetesApi, key, expected) => {
    expect(() => parseStackConfig({ ...base, kas: { kubernetesApi } })).toThrow(key);
    expect(() => parseStackConfig({ ...base, kas: { kubernetesApi } })).toThrow(expected);
  });

  test("not with an external kas", () => {
    expect(() => parseStackConfig({ ...base, kas: { deploy: false, address: "grpc://k:1", kubernetesApi: api } })).toThrow("no kubernetesApi when kas.deploy is false");
  });
});

describe("namespaces.<ns>.onDestroy", () => {
  const base = { cluster: { provider: "existing", kubeconfig: "k" }, agent: { name: "a1" } };
  test("keep by default (absent), delete when asked; anything else names the key", () => {
    const config = parseStackConfig({ ...base, namespaces: { dude: "write", scratch: { access: "write", onDestroy: "delete" } } });
    expect(config.namespaces.dude?.onDestroy).toBeUndefined();
    expect(config.namespaces.scratch?.onDestroy).toBe("delete");
    expect(() => parseStackConfig({ ...base, namespaces: { dude: { access: "write", onDestroy: "purge" } } })).toThrow(
      'gitops-agent:namespaces.dude.onDestroy: found "purge"; expected one of keep, delete',
    );
  });
});
