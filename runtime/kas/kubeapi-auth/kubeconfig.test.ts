/** The CI kubeconfig's shape (GitLab's names); test/kas/ci-kubeconfig.test.ts reads it with the real kubectl. */
import { parse } from "yaml";
import { renderCiKubeconfig, type KubeconfigAgent } from "./index";

const DUDE: KubeconfigAgent = { id: "7", name: "dude", configProjectPath: "dude/agent-config", defaultNamespace: "dude" };
const NAWW: KubeconfigAgent = { id: "8", name: "naww", configProjectPath: "naww/agent-config" };
const base = { server: "https://kas.example/k8s-proxy/", credential: "job-token" };

test("one user and context per agent, GitLab's names", () => {
  expect(parse(renderCiKubeconfig({ ...base, caPem: "PEM", agents: [DUDE, NAWW] }))).toEqual({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "gitlab", cluster: { server: base.server, "certificate-authority-data": Buffer.from("PEM").toString("base64") } }],
    users: [
      { name: "agent:7", user: { token: "ci:7:job-token" } },
      { name: "agent:8", user: { token: "ci:8:job-token" } },
    ],
    contexts: [
      { name: "dude/agent-config:dude", context: { cluster: "gitlab", user: "agent:7", namespace: "dude" } },
      { name: "naww/agent-config:naww", context: { cluster: "gitlab", user: "agent:8" } },
    ],
  });
});

test("a user's kubeconfig carries pat:<agent id>:<personal access token>, as GitLab's", () => {
  expect(parse(renderCiKubeconfig({ ...base, credential: "glpat-x", tokenType: "pat", agents: [DUDE] })).users).toEqual([{ name: "agent:7", user: { token: "pat:7:glpat-x" } }]);
});

test("the only agent's context is current; with several, the one asked for", () => {
  expect(parse(renderCiKubeconfig({ ...base, agents: [DUDE] }))["current-context"]).toBe("dude/agent-config:dude");
  expect(parse(renderCiKubeconfig({ ...base, agents: [DUDE, NAWW], currentContext: "naww/agent-config:naww" }))["current-context"]).toBe("naww/agent-config:naww");
  expect(parse(renderCiKubeconfig({ ...base, agents: [] }))).toMatchObject({ users: [], contexts: [] });
});

test.each<[string, Parameters<typeof renderCiKubeconfig>[0], string]>([
  ["an http proxy URL", { ...base, server: "http://kas.example/", agents: [DUDE] }, "expected an https URL (kubectl sends no bearer token over http)"],
  ["not a URL", { ...base, server: "kas.example", agents: [DUDE] }, "expected an https URL"],
  ["a context twice", { ...base, agents: [DUDE, { ...DUDE, id: "9" }] }, `the context "dude/agent-config:dude" is named twice`],
  ["an unknown current context", { ...base, agents: [DUDE], currentContext: "x:y" }, `currentContext "x:y": expected one of dude/agent-config:dude`],
  ["an agent id with a colon", { ...base, agents: [{ ...DUDE, id: "7:8" }] }, `agent id "7:8"`],
  ["no credential", { ...base, credential: "", agents: [DUDE] }, "credential: expected"],
])("refused: %s", (_name, input, message) => {
  expect(() => renderCiKubeconfig(input)).toThrow(message);
});
