/** The client's reading of kas's allowed_agents answer: kubeconfig agents, or the first field that is wrong. */
import { parseKasAllowedAgents } from "./allowed-agents";

const agent = (over: Record<string, unknown> = {}) => ({ id: "7", name: "dude", config_project: { path_with_namespace: "group/agent-config" }, configuration: { access_as: { agent: {} } }, ...over });

test("agents with and without a default namespace", () => {
  expect(parseKasAllowedAgents({ allowed_agents: [agent(), agent({ id: "8", configuration: { access_as: { ci_job: {} }, default_namespace: "dude" } })], job: { id: "1" } })).toEqual({
    ok: true,
    agents: [
      { id: "7", name: "dude", configProjectPath: "group/agent-config" },
      { id: "8", name: "dude", configProjectPath: "group/agent-config", defaultNamespace: "dude" },
    ],
  });
  expect(parseKasAllowedAgents({ allowed_agents: [] })).toEqual({ ok: true, agents: [] });
});

test.each<[string, unknown, string]>([
  ["not an object", [], "expected a JSON object with an allowed_agents list"],
  ["a Status instead", { kind: "Status", message: "x" }, "expected a JSON object with an allowed_agents list"],
  ["a number id", { allowed_agents: [agent({ id: 7 })] }, "allowed_agents[0].id: expected a non-empty string"],
  ["no name", { allowed_agents: [agent(), agent({ name: "" })] }, "allowed_agents[1].name: expected a non-empty string"],
  ["no project", { allowed_agents: [agent({ config_project: {} })] }, "allowed_agents[0].config_project.path_with_namespace: expected a non-empty string"],
  ["a bad namespace", { allowed_agents: [agent({ configuration: { default_namespace: 3 } })] }, "allowed_agents[0].configuration.default_namespace: expected a non-empty string when present"],
])("%s", (_name, body, reason) => {
  expect(parseKasAllowedAgents(body)).toEqual({ ok: false, reason });
});
