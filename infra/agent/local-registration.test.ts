/** Local (GitLab-less) registration: the token, its hash and kas's registry file. */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { localAgentRegistrationProvider as provider, newAgentToken, registryYaml, tokenSha256 } from "./local-registration";

test("a new token looks like GitLab's and differs every time", () => {
  const a = newAgentToken();
  expect(a).toMatch(/^glagent-[A-Za-z0-9_-]{50}$/);
  expect(newAgentToken()).not.toBe(a);
});

test("create makes a token, its SHA-256 and an agent id", async () => {
  const { id, outs } = await provider.create({ agentName: "dude-agent", configProject: "dude/agent-config" });
  expect(outs!.token).toMatch(/^glagent-/);
  expect(outs!.tokenSha256).toBe(createHash("sha256").update(outs!.token, "utf8").digest("hex"));
  expect(Number.isSafeInteger(outs!.agentId) && outs!.agentId > 0).toBe(true);
  expect(id).toBe(`local:${outs!.agentId}`);
  const fixed = await provider.create({ agentName: "dude-agent", configProject: "dude/agent-config", agentId: 5 });
  expect(fixed.outs!.agentId).toBe(5);
});

test("a rename keeps the agent and its token; a new explicit id replaces", async () => {
  const { id, outs } = await provider.create({ agentName: "dude-agent", configProject: "dude/agent-config" });
  const renamed = { agentName: "dude-two", configProject: "dude/agent-config" };
  expect(await provider.diff!(id, outs!, renamed)).toEqual({ changes: true, replaces: [] });
  const updated = (await provider.update!(id, outs!, renamed)).outs!;
  expect(updated).toEqual({ ...outs, agentName: "dude-two" });
  expect(await provider.diff!(id, outs!, { ...renamed, agentId: outs!.agentId + 1 })).toMatchObject({ replaces: ["agentId"] });
  expect(await provider.diff!(id, outs!, { agentName: "dude-agent", configProject: "dude/agent-config" })).toEqual({ changes: false, replaces: [] });
});

test("the provider runs from the text Pulumi serializes it to", async () => {
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  const module = { exports: {} as Record<string, () => typeof provider> };
  new Function("exports", "require", "module", serialized.text)(module.exports, require, module);
  const { outs } = await module.exports[serialized.exportName]!().create({ agentName: "dude-agent", configProject: "dude/agent-config" });
  expect(outs!.tokenSha256).toBe(tokenSha256(outs!.token));
});

describe("registryYaml", () => {
  test("renders kas's registry format from hashes only", () => {
    const token = newAgentToken();
    const other = newAgentToken();
    const text = registryYaml([
      { id: 1, name: "dude-agent", configProject: "dude/agent-config", tokens: [{ sha256: tokenSha256(token) }] },
      { id: "naww", name: "naww-agent", configProject: "naww/agent-config", tokens: [{ sha256: tokenSha256(other).toUpperCase(), name: "old", revoked: true }] },
    ]);
    expect(text).not.toContain(token);
    expect(text).not.toContain(other);
    expect(text).not.toContain("glagent-");
    expect(parse(text)).toEqual({
      agents: [
        { id: 1, name: "dude-agent", config_project: "dude/agent-config", tokens: [{ sha256: tokenSha256(token) }] },
        { id: "naww", name: "naww-agent", config_project: "naww/agent-config", tokens: [{ sha256: tokenSha256(other), name: "old", revoked: true }] },
      ],
    });
  });

  test("refuses a token where a hash belongs, without echoing it", () => {
    const token = newAgentToken();
    expect(() => registryYaml([{ id: 1, name: "dude-agent", configProject: "dude/agent-config", tokens: [{ sha256: token }] }])).toThrow(
      /agents\[0\] \("dude-agent"\) tokens\[0\]\.sha256 is 58 characters that are not a SHA-256 hash/,
    );
    try {
      registryYaml([{ id: 1, name: "dude-agent", configProject: "dude/agent-config", tokens: [{ sha256: token }] }]);
    } catch (err) {
      expect(String(err)).not.toContain(token);
    }
  });

  test("no agents is an empty list", () => {
    expect(parse(registryYaml([]))).toEqual({ agents: [] });
  });
});
