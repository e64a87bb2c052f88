/**
 * What `agentk generate` prints (its stdout, parsed) equals what infra's Agentk component creates
 * for the same inputs: the ServiceAccount, the Secret and the Deployment, field
 * for field. The one difference allowed is Pulumi's managed-by label.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments } from "yaml";
import { recordResources, type Created } from "../pulumi-mocks";
import { main } from "../../runtime/agentk/main";
import type { GenerateOptions } from "../../runtime/agentk/generate";
import type * as AgentModule from "../../infra/agent";

type Obj = Record<string, unknown>;
let created: Created[];
let agent: typeof AgentModule;
const dir = mkdtempSync(path.join(tmpdir(), "generate-component-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  created = await recordResources("roundtrip");
  agent = jest.requireActual<typeof AgentModule>("../../infra/agent");
});

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KINDS: Record<string, string> = { ServiceAccount: "kubernetes:core/v1:ServiceAccount", Secret: "kubernetes:core/v1:Secret", Deployment: "kubernetes:apps/v1:Deployment" };

/** What `agentk generate` prints for these options, parsed back. */
async function printed(o: GenerateOptions): Promise<Obj[]> {
  const argv = ["generate", "--agent-token", o.agentToken, "--kas-address", o.kasAddress, "--namespace", o.namespace];
  if (o.name !== undefined) argv.push("--name", o.name);
  if (o.image !== undefined) argv.push("--image", o.image);
  if (o.replicas !== undefined) argv.push("--replicas", String(o.replicas));
  if (o.caCert !== undefined) {
    writeFileSync(path.join(dir, "ca.pem"), o.caCert);
    argv.push("--ca-cert-file", path.join(dir, "ca.pem"));
  }
  const stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    expect(await main(argv)).toBe(0);
    return parseAllDocuments(stdout.mock.calls.map((c) => String(c[0])).join("")).map((d) => d.toJS() as Obj);
  } finally {
    stdout.mockRestore();
  }
}

/** What the engine received, with secrets unwrapped and Pulumi's managed-by label dropped (checked, then removed). */
function received(r: Created): Obj {
  const json = JSON.stringify(r.inputs, (_k, v: unknown) =>
    v && typeof v === "object" && (v as Obj)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig ? (v as Obj).value : v,
  );
  const labelled = json.split('"app.kubernetes.io/managed-by":"pulumi"').length - 1;
  expect(labelled).toBeGreaterThan(0);
  return JSON.parse(json.replace(/,"app\.kubernetes\.io\/managed-by":"pulumi"/g, "")) as Obj;
}

describe("agentk generate and the Agentk component: the same workload", () => {
  test.each<[string, Partial<GenerateOptions>]>([
    ["defaults", {}],
    ["a CA, an image and 2 replicas", { caCert: CA, image: "registry.example/gitops-agent:0.1.0", replicas: 2 }],
  ])("GIVEN %s WHEN both build agent dude-agent THEN ServiceAccount, Secret and Deployment are equal", async (_case, extra) => {
    const options: GenerateOptions = { agentToken: "glagent-roundtrip", kasAddress: "grpcs://kas.example:8150", namespace: "gitlab-k8s-agent", writeNamespaces: [], name: "dude-agent", ...extra };
    const generated = (await printed(options)).filter((o) => String(o.kind) in KINDS);

    const before = created.length;
    const component = new agent.Agentk(`rt-${created.length}`, {
      name: options.name,
      namespace: options.namespace,
      kasAddress: options.kasAddress,
      token: options.agentToken,
      ...(extra.caCert === undefined ? {} : { caCert: extra.caCert }),
      ...(extra.image === undefined ? {} : { image: extra.image }),
      ...(extra.replicas === undefined ? {} : { replicas: extra.replicas }),
    });
    await new Promise((resolve) => pulumi.all([component.deployment.urn, component.secret.urn, component.deploymentName]).apply(resolve));
    const mine = created.slice(before).filter((r) => Object.values(KINDS).includes(r.type));

    expect(mine.map((r) => r.type)).toEqual(generated.map((o) => KINDS[String(o.kind)]));
    expect(mine.map(received)).toEqual(JSON.parse(JSON.stringify(generated)));
  });

  test("GIVEN no --name, and the component named agentk with no name (as infra/program.ts names it) THEN both name everything agentk, as the README says", async () => {
    const generated = (await printed({ agentToken: "glagent-roundtrip", kasAddress: "grpcs://kas.example:8150", namespace: "gitlab-k8s-agent", writeNamespaces: [] })).filter((o) => String(o.kind) in KINDS);
    const before = created.length;
    const component = new agent.Agentk("agentk", { namespace: "gitlab-k8s-agent", kasAddress: "grpcs://kas.example:8150", token: "glagent-roundtrip" });
    await new Promise((resolve) => pulumi.all([component.deployment.urn, component.secret.urn, component.deploymentName]).apply(resolve));
    const mine = created.slice(before).filter((r) => Object.values(KINDS).includes(r.type));
    expect(generated.map((o) => `${String(o.kind)} ${String((o.metadata as Obj).name)}`)).toEqual(["ServiceAccount agentk", "Secret agentk-token", "Deployment agentk"]);
    expect(mine.map(received)).toEqual(JSON.parse(JSON.stringify(generated)));
  });
});
