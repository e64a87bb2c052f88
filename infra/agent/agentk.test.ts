/** The Agentk component (and the registration resources' secrecy) under pulumi.runtime.setMocks. */
import * as pulumi from "@pulumi/pulumi";
import { recordResources, type Created } from "../../test/pulumi-mocks";
import type * as AgentModule from "./index";

let created: Created[];
let agent: typeof AgentModule;
const TOKEN = "glagent-mock-token-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef";
/** additionalSecretOutputs of each registration request, by resource name. */
const secretOutputs = new Map<string, string[]>();

interface RegisterRequest {
  getName(): string;
  getAdditionalsecretoutputsList(): string[];
}
interface Monitor {
  registerResource(req: RegisterRequest, callback: unknown): unknown;
}

beforeAll(async () => {
  created = await recordResources("test", {
    state: (args) => {
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === "pulumi-nodejs:dynamic/agent:GitLabAgentRegistration") Object.assign(state, { agentId: 7, tokenId: 9, token: TOKEN, configProject: args.inputs.project });
      if (args.type === "pulumi-nodejs:dynamic/agent:LocalAgentRegistration") Object.assign(state, { agentId: 7, token: TOKEN, tokenSha256: "0".repeat(64) });
      // What the engine does with additionalSecretOutputs (the mock monitor does not).
      for (const key of secretOutputs.get(args.name) ?? []) if (key in state) state[key] = pulumi.secret(state[key]);
      return state;
    },
  });
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    secretOutputs.set(req.getName(), req.getAdditionalsecretoutputsList());
    return register(req, callback);
  };
  // Loaded after setMocks, so nothing the module builds can bypass the mocks. (requireActual: under nodenext, tsc wants
  // `import("./index.js")`, which jest's resolver cannot find.)
  agent = jest.requireActual<typeof AgentModule>("./index");
});

function unwrap<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

function isSecret(o: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(o);
}

type Obj = Record<string, unknown>;
const at = (o: unknown, ...path: (string | number)[]): unknown => path.reduce<unknown>((v, k) => (v as Obj | unknown[] | undefined)?.[k as never], o);

describe("Agentk", () => {
  let component: InstanceType<typeof AgentModule.Agentk>;
  let mine: Created[];

  beforeAll(async () => {
    const before = created.length;
    component = new agent.Agentk("dude-agent", {
      namespace: "gitlab-agent",
      kasAddress: "grpc://kas.gitops.svc:8150",
      token: TOKEN,
    });
    await unwrap(component.deploymentName);
    await unwrap(pulumi.all([component.secret.urn, component.deployment.urn, component.serviceAccountName]));
    mine = created.slice(before);
  });

  const deployment = () => mine.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
  const podSpec = () => at(deployment().inputs, "spec", "template", "spec") as Obj;
  const container = () => at(podSpec(), "containers", 0) as Obj;

  test("creates a ServiceAccount, a Secret and a Deployment, named from the component, and nothing else", () => {
    expect(mine.map((r) => [r.type, r.name, at(r.inputs, "metadata", "name")])).toEqual([
      ["gitops-agent:agent:Agentk", "dude-agent", undefined],
      ["kubernetes:core/v1:ServiceAccount", "dude-agent-sa", "dude-agent"],
      ["kubernetes:core/v1:Secret", "dude-agent-token", "dude-agent-token"],
      ["kubernetes:apps/v1:Deployment", "dude-agent", "dude-agent"],
    ]);
    for (const r of mine.slice(1)) expect(at(r.inputs, "metadata", "namespace")).toBe("gitlab-agent");
  });

  test("creates no RBAC of any kind, least of all a ClusterRole", () => {
    expect(created.filter((r) => r.type.startsWith("kubernetes:rbac.authorization.k8s.io/"))).toEqual([]);
  });

  test("the Deployment runs agentk with its token file, pod identity and 1 replica", () => {
    expect(at(deployment().inputs, "spec", "replicas")).toBe(1);
    expect(podSpec().serviceAccountName).toBe("dude-agent");
    expect(container().image).toBe("gitops-agent:0.1.0"); // one default with the stack config and generate: the release tag, not latest
    expect(container().args).toEqual([
      "agentk",
      "--kas-address=grpc://kas.gitops.svc:8150",
      "--token-file=/etc/agentk/secret/token",
      "--observability-listen-address=:8080",
    ]);
    expect(container().env).toEqual([
      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    ]);
    expect(container().volumeMounts).toEqual([{ name: "agentk-secret", mountPath: "/etc/agentk/secret", readOnly: true }]);
    expect(podSpec().volumes).toEqual([{ name: "agentk-secret", secret: { secretName: "dude-agent-token" } }]);
  });

  test("probes /liveness and /readiness on the observability port 8080", () => {
    expect(container().ports).toEqual([{ name: "observability", containerPort: 8080 }]);
    expect(at(container(), "livenessProbe", "httpGet")).toEqual({ path: "/liveness", port: "observability" });
    expect(at(container(), "readinessProbe", "httpGet")).toEqual({ path: "/readiness", port: "observability" });
  });

  test("runs as non-root 65532 with a read-only root, no capabilities and the RuntimeDefault seccomp profile", () => {
    expect(podSpec().securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } });
    expect(container().securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container().resources).toEqual({ requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } });
  });

  test("the token stays secret although it was passed as a plain string", async () => {
    const stringData = component.secret.stringData;
    expect(await isSecret(stringData)).toBe(true);
    // What the engine received: stringData as a secret.
    const sent = at(mine.find((r) => r.type === "kubernetes:core/v1:Secret")!.inputs, "stringData");
    expect(sent).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: { token: TOKEN } });
  });

  test("the pod template carries a digest of the credentials, not the token", () => {
    const annotations = at(deployment().inputs, "spec", "template", "metadata", "annotations") as Obj;
    expect(annotations["gitops-agent/credentials-digest"]).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(deployment().inputs)).not.toContain(TOKEN);
  });
});

test("Agentk with a CA, replicas, an existing ServiceAccount and a token from a registration", async () => {
  const before = created.length;
  const registration = new agent.GitLabAgentRegistration("reg", { gitlabUrl: "https://gitlab.example.com", project: "group/agent-config", agentName: "naww-agent" });
  expect(await isSecret(registration.token)).toBe(true);
  expect(secretOutputs.get("reg")).toEqual(["token"]);
  // The GitLab access token is never an input.
  expect(Object.keys(created.find((r) => r.name === "reg")!.inputs).sort()).toEqual(["__provider", "agentName", "gitlabUrl", "project", "tokenName"]);
  expect(await isSecret(registration.agentId)).toBe(false);

  const component = new agent.Agentk("naww", {
    namespace: "agents",
    name: "naww-agentk",
    kasAddress: pulumi.output("grpcs://kas.example.com:443"),
    token: registration.token,
    caCert: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    replicas: 2,
    serviceAccountName: "naww-sa",
    createServiceAccount: false,
  });
  await unwrap(pulumi.all([component.deploymentName, component.secret.urn]));
  const mine = created.slice(before);
  expect(mine.map((r) => r.type)).toEqual(["pulumi-nodejs:dynamic/agent:GitLabAgentRegistration", "gitops-agent:agent:Agentk", "kubernetes:core/v1:Secret", "kubernetes:apps/v1:Deployment"]);
  const deployment = mine.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
  expect(at(deployment.inputs, "spec", "replicas")).toBe(2);
  expect(at(deployment.inputs, "spec", "template", "spec", "serviceAccountName")).toBe("naww-sa");
  expect(at(deployment.inputs, "spec", "template", "spec", "containers", 0, "args")).toContain("--ca-cert-file=/etc/agentk/secret/ca.crt");
  expect(await isSecret(component.secret.stringData)).toBe(true);
  const sent = at(mine.find((r) => r.type === "kubernetes:core/v1:Secret")!.inputs, "stringData", "value") as Obj;
  expect(Object.keys(sent).sort()).toEqual(["ca.crt", "token"]);
  expect(sent.token).toBe(TOKEN);
});

test("Agentk with allowImpersonation: agentk starts with --allow-impersonation (the default, above, has no such flag)", async () => {
  const before = created.length;
  const component = new agent.Agentk("ci-agent", { namespace: "agents", kasAddress: "grpc://kas:8150", token: TOKEN, allowImpersonation: true });
  await unwrap(component.deploymentName);
  const deployment = created.slice(before).find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
  expect(at(deployment.inputs, "spec", "template", "spec", "containers", 0, "args")).toEqual([
    "agentk",
    "--kas-address=grpc://kas:8150",
    "--token-file=/etc/agentk/secret/token",
    "--observability-listen-address=:8080",
    "--allow-impersonation",
  ]);
  expect(agent.agentkContainerArgs("grpc://kas:8150", false, false)).not.toContain(agent.ALLOW_IMPERSONATION_FLAG);
});

test("LocalAgentRegistration's token is secret and its hash is not", async () => {
  const local = new agent.LocalAgentRegistration("local", { agentName: "dude-agent", configProject: "dude/agent-config" });
  expect(await isSecret(local.token)).toBe(true);
  expect(await isSecret(local.tokenSha256)).toBe(false);
});

describe("validateAgentkArgs", () => {
  const good = { namespace: "gitlab-agent", kasAddress: "grpc://kas:8150", token: "t" };
  test.each([
    ["valid args", {}, 0],
    ["a ws address", { kasAddress: "wss://kas.example.com/-/kubernetes-agent/" }, 0],
    ["an http address", { kasAddress: "http://kas:8150" }, 1],
    ["zero replicas", { replicas: 0 }, 1],
    ["a fractional replica count", { replicas: 1.5 }, 1],
    ["an upper-case namespace", { namespace: "Agents" }, 1],
    ["a bad ServiceAccount name", { serviceAccountName: "sa_1" }, 1],
  ])("%s", (_what, change, count) => {
    expect(agent.validateAgentkArgs("dude-agent", { ...good, ...change })).toHaveLength(count);
  });

  test("invalid args throw before any resource is made", () => {
    const before = created.length;
    expect(() => new agent.Agentk("bad", { ...good, replicas: 0 })).toThrow(/replicas is 0; expected a whole number of at least 1/);
    expect(created.length).toBe(before);
  });
});
