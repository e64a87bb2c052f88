/**
 * The program in GitLab mode under pulumi.runtime.setMocks: kas reads the
 * configuration project with the deploy token GitLabProjectAccess creates (a
 * Secret of the Kas component, mounted at kas.yaml's password_file), and with
 * kas.publicUrl the webhook GitLab posts to carries the secret kas checks.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KAS_GIT_CREDENTIALS_MOUNT } from "../runtime/common/deploy";
import { recordResources, type Created } from "../test/pulumi-mocks";
import type * as ConfigModule from "./config";
import type * as ProgramModule from "./program";
import { KAS_WEBHOOK_PATH } from "./stack-kas";

const DEPLOY_TOKEN = "gldt-program-test-secret";
const WEBHOOK_SECRET = "webhook-program-test-secret";
const GITLAB = "https://gitlab.example.com";
let created: Created[];
let config: typeof ConfigModule;
let program: typeof ProgramModule;
let raw: Record<string, unknown>;
const dir = mkdtempSync(path.join(os.tmpdir(), "program-gitlab-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  created = await recordResources("dude-gitlab", {
    state: (args) => {
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type.startsWith("pulumi-nodejs:dynamic")) {
        Object.assign(state, { agentId: 7, tokenId: 9, token: "glagent-x", deployTokenId: 5, deployTokenUsername: "gitlab+deploy-token-5", deployToken: DEPLOY_TOKEN, hookId: 11, webhookSecret: WEBHOOK_SECRET });
      }
      if (args.type === "kubernetes:core/v1:Service") Object.assign(state, { metadata: { ...(args.inputs.metadata as object), name: "kas", namespace: "gitlab-k8s-agent" } });
      return state;
    },
  });
  config = jest.requireActual<typeof ConfigModule>("./config");
  program = jest.requireActual<typeof ProgramModule>("./program");
  const kubeconfig = path.join(dir, "kubeconfig");
  writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");
  raw = { ...config.readStackFile(path.join(__dirname, "../examples/dude-naww/Pulumi.dude-naww.yaml")), cluster: { provider: "existing", kubeconfig } };
  const { projects: _projects, ...kas } = raw.kas as Record<string, unknown>;
  const stack = config.parseStackConfig({ ...raw, gitlab: { url: GITLAB, project: "group/dude-agent" }, kas: { ...kas, publicUrl: "https://kas.example.com/" } });
  program.buildProgram(stack);
  await new Promise((r) => setTimeout(r, 200));
});

/** Pulumi's wire form of a secret value: the secret signature and the value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
function secretValue(v: unknown): unknown {
  expect(v).toMatchObject({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270" });
  return (v as { value: unknown }).value;
}
const ofType = (t: string) => created.filter((c) => c.type === t);
const named = (t: string, name: string) => ofType(t).find((c) => c.name === name)!;

test("a deploy token and a push webhook to kas.publicUrl on the configuration project", () => {
  const access = created.find((c) => c.name === "kas-project-access")!;
  expect(access.inputs).toMatchObject({ gitlabUrl: GITLAB, project: "group/dude-agent", webhookUrl: `https://kas.example.com${KAS_WEBHOOK_PATH}` });
});

test("kas clones the configuration project from GitLab with the deploy token, from a Secret it owns", () => {
  const yaml = (named("kubernetes:core/v1:ConfigMap", "kas-config").inputs.data as Record<string, string>)["kas.yaml"]!;
  expect(yaml).toContain("id: group/dude-agent");
  expect(yaml).toContain(`url: ${GITLAB}/group/dude-agent.git`);
  expect(yaml).toContain("username: gitlab+deploy-token-5");
  expect(yaml).toContain(`password_file: ${KAS_GIT_CREDENTIALS_MOUNT}/kas-git-credentials/password-0`);
  expect(yaml).not.toContain(DEPLOY_TOKEN);
  const secret = named("kubernetes:core/v1:Secret", "kas-git");
  expect(secret.inputs).toMatchObject({ metadata: { name: "kas-git-credentials", namespace: "gitlab-k8s-agent" } });
  expect(secretValue(secret.inputs.stringData)).toEqual({ "password-0": DEPLOY_TOKEN });
  const deployment = JSON.stringify(named("kubernetes:apps/v1:Deployment", "kas").inputs);
  expect(deployment).toContain(`"mountPath":"${KAS_GIT_CREDENTIALS_MOUNT}/kas-git-credentials"`);
  expect(deployment).toContain(`"secretName":"kas-git-credentials"`);
});

test("kas checks the webhook secret the provider registered in GitLab; its Service serves the webhook port", () => {
  expect(secretValue(named("kubernetes:core/v1:Secret", "kas-http").inputs.stringData)).toEqual({ "webhook-secret": WEBHOOK_SECRET });
  const yaml = (named("kubernetes:core/v1:ConfigMap", "kas-config").inputs.data as Record<string, string>)["kas.yaml"]!;
  expect(yaml).toMatch(/webhook:\s+secret_file:/);
  expect(JSON.stringify(named("kubernetes:core/v1:Service", "kas").inputs)).toContain('"name":"webhook"');
});

test("kas.publicUrl: an http(s) URL, only with gitlab and a deployed kas", () => {
  expect(() => config.parseStackConfig({ ...raw, kas: { ...(raw.kas as object), publicUrl: "kas.example.com" } })).toThrow("gitops-agent:kas.publicUrl");
  expect(() => config.parseStackConfig({ ...raw, kas: { deploy: false, address: "grpcs://kas.example.com:443", publicUrl: "https://kas.example.com" } })).toThrow("no publicUrl when kas.deploy is false");
  const fileMode = config.parseStackConfig({ ...raw, kas: { ...(raw.kas as object), publicUrl: "https://kas.example.com" } });
  expect(config.deploymentProblems(fileMode).map((p) => p.key)).toEqual(["gitops-agent:kas.publicUrl"]);
});
