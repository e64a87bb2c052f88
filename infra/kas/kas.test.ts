/** The Kas component under pulumi.runtime.setMocks: what the Service exposes, and where the HTTP credentials live. */
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { restrictedContainerSecurityContext } from "../../runtime/common/deploy";
import { at, ofType as of, recordedDuring, recordResources, type Created } from "../../test/pulumi-mocks";
import type * as KasModule from "./index";

let created: Created[];
let kasModule: typeof KasModule;
const API_TOKEN = "kas-api-token-for-the-mock-0123456789";
const WEBHOOK_SECRET = "kas-webhook-secret-for-the-mock";

beforeAll(async () => {
  created = await recordResources("test", { state: (args) => ({ ...args.inputs, metadata: { ...(args.inputs.metadata as object), name: args.name } }) });
  // Loaded after setMocks (see infra/agent/agentk.test.ts for why requireActual).
  kasModule = jest.requireActual<typeof KasModule>("./index");
});

type Obj = Record<string, unknown>;

function build(name: string, extra: Partial<KasModule.KasArgs>): Promise<Created[]> {
  const args = { namespace: "gitlab-agent", image: "registry.example/gitops-agent:0.1.0", projects: [], ...extra };
  return recordedDuring(created, () => new kasModule.Kas(name, args).address, 50);
}

const servicePorts = (mine: Created[]) => (at(of(mine, "kubernetes:core/v1:Service")[0]!.inputs, "spec", "ports") as { name: string; port: number }[]).map((p) => `${p.name}:${p.port}`);
const container = (mine: Created[]) => at(of(mine, "kubernetes:apps/v1:Deployment")[0]!.inputs, "spec", "template", "spec", "containers", 0) as Obj;
const kasYaml = (mine: Created[]) => parse(at(of(mine, "kubernetes:core/v1:ConfigMap")[0]!.inputs, "data", "kas.yaml") as string) as { listen: Record<string, unknown>; api?: unknown; webhook?: unknown };

describe("Kas", () => {
  test("by default the Service carries only the agent listeners: no metrics, probes, agents API or webhook", async () => {
    const mine = await build("kas-default", {});
    expect(servicePorts(mine)).toEqual(["grpc:8150", "websocket:8152"]);
    expect(kasYaml(mine).listen.api).toBe("127.0.0.1:8155");
    expect(kasYaml(mine).api).toBeUndefined();
    expect(of(mine, "kubernetes:core/v1:Secret").map((s) => s.name)).toEqual(["kas-default-registry"]);
    // Probes still reach the observability port on the pod.
    expect(at(container(mine), "livenessProbe", "httpGet")).toEqual({ path: "/liveness", port: "observability" });
    expect((container(mine).ports as { name: string }[]).map((p) => p.name)).toEqual(["grpc", "websocket", "observability"]);
  });

  test("with an API token and a webhook secret: both in a Secret mounted read-only, both on the Service, the API on all interfaces behind the token", async () => {
    const mine = await build("kas-open", { apiToken: API_TOKEN, webhookSecret: WEBHOOK_SECRET });
    expect(servicePorts(mine)).toEqual(["grpc:8150", "websocket:8152", "webhook:8154", "api:8155"]);
    const doc = kasYaml(mine);
    expect(doc.listen).toMatchObject({ api: "0.0.0.0:8155", webhook: "0.0.0.0:8154", observability: "0.0.0.0:8153" });
    expect(doc.api).toEqual({ token_file: "/etc/kas/http/api-token" });
    expect(doc.webhook).toEqual({ secret_file: "/etc/kas/http/webhook-secret" });
    const secret = of(mine, "kubernetes:core/v1:Secret", "kas-open-http")[0]!;
    // The Kubernetes provider marks stringData secret: Pulumi's secret signature wraps the value.
    expect(secret.inputs.stringData).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: { "api-token": API_TOKEN, "webhook-secret": WEBHOOK_SECRET } });
    expect(container(mine).volumeMounts).toContainEqual({ name: "http-secrets", mountPath: "/etc/kas/http", readOnly: true });
    // The token is in the Secret only, never in the ConfigMap.
    expect(JSON.stringify(of(mine, "kubernetes:core/v1:ConfigMap"))).not.toContain(API_TOKEN);
  });

  test("with kubernetesApi: the https listener and its OIDC issuer in kas.yaml, the TLS Secret mounted read-only, port k8s-api on the Service", async () => {
    const oidc = { issuer: "https://gitlab.example.com", audience: "https://kas.example.com" };
    const mine = await build("kas-k8s", { kubernetesApi: { tlsSecretName: "kas-k8s-api-tls", oidc } });
    expect(servicePorts(mine)).toEqual(["grpc:8150", "websocket:8152", "k8s-api:8156"]);
    expect((container(mine).ports as { name: string }[]).map((p) => p.name)).toEqual(["grpc", "websocket", "k8s-api", "observability"]);
    const doc = kasYaml(mine) as { listen: Record<string, unknown>; kubernetes_api?: unknown };
    expect(doc.listen.kubernetes_api).toEqual({ address: "0.0.0.0:8156", cert_file: "/etc/kas/kubernetes-api-tls/tls.crt", key_file: "/etc/kas/kubernetes-api-tls/tls.key" });
    expect(doc.kubernetes_api).toEqual({ oidc });
    expect(container(mine).volumeMounts).toContainEqual({ name: "kubernetes-api-tls", mountPath: "/etc/kas/kubernetes-api-tls", readOnly: true });
    const volumes = at(of(mine, "kubernetes:apps/v1:Deployment")[0]!.inputs, "spec", "template", "spec", "volumes") as Obj[];
    expect(volumes).toContainEqual({ name: "kubernetes-api-tls", secret: { secretName: "kas-k8s-api-tls" } });
    // The Secret is the operator's (cert-manager's): the component creates none for it.
    expect(of(mine, "kubernetes:core/v1:Secret").map((s) => s.name)).toEqual(["kas-k8s-registry"]);
  });

  test("runs as Pod Security restricted asks, with the same security contexts as agentk", async () => {
    const mine = await build("kas-restricted", {});
    const podSpec = at(of(mine, "kubernetes:apps/v1:Deployment")[0]!.inputs, "spec", "template", "spec") as Obj;
    expect(podSpec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
    // The container's, field for field, is the one agentk's test spells out (infra/agent/agentk.test.ts).
    expect(container(mine).securityContext).toEqual(restrictedContainerSecurityContext());
    expect(container(mine).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } });
  });
});
