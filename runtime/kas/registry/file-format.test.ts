/** The registry file's error forms: file, line, key path, found and expected, and never a hash or token. */
import { hashToken, InvalidRegistryFileError, parseRegistryFile } from "./index";

const FILE = "/etc/kas/agents.yaml";
const H1 = hashToken("glagent-one");
const H2 = hashToken("glagent-two");

function errorOf(yaml: string): InvalidRegistryFileError {
  try {
    parseRegistryFile(yaml, FILE);
  } catch (err) {
    if (err instanceof InvalidRegistryFileError) return err;
    throw err;
  }
  throw new Error("expected an InvalidRegistryFileError");
}

const agent = (extra: string): string => `agents:\n- id: 1\n  name: dude-agent\n  config_project: dude/agent-config\n${extra}`;

describe("parseRegistryFile", () => {
  test("tokens list and token_sha256 shorthand, revoked tokens kept as revoked", () => {
    const res = parseRegistryFile(
      `${agent(`  tokens:\n  - {sha256: ${H1.toUpperCase()}, name: old, revoked: true}\n  token_sha256: [${H2}]\n`)}- {id: two, name: other, config_project: g/p}\n`,
      FILE,
    );
    expect(res.agents).toEqual([
      { id: "1", name: "dude-agent", configProjectId: "dude/agent-config" },
      { id: "two", name: "other", configProjectId: "g/p" },
    ]);
    expect(res.entries.map((e) => [e.hash.toString("hex"), e.revoked, e.agent.id])).toEqual([
      [H1, true, "1"],
      [H2, false, "1"],
    ]);
  });

  test("`agents: []` is an empty registry", () => {
    expect(parseRegistryFile("agents: []\n", FILE)).toEqual({ agents: [], entries: [] });
  });

  // What a writer leaves mid-write: accepted as "no agents", each locked every agent out.
  test.each<[string, string, string]>([
    ["an empty file", "", `${FILE}: found an empty file; expected a mapping with key agents`],
    ["only whitespace", "\n  \n", "found an empty file"],
    ["cut off after agents:", "agents:\n", "agents: found nothing; expected a list of agents (write `agents: []` for no agents)"],
    ["no agents key", "{}\n", "agents: found nothing; expected a list of agents"],
    ["cut off inside a flow list", `${agent(`  token_sha256: [${H1.slice(0, 20)}`)}`, "found invalid YAML"],
  ])("%s is refused, not taken as no agents", (_name, yaml, expected) => {
    const err = errorOf(yaml);
    expect(err.message).toContain(expected);
    expect(err.message).not.toContain(H1.slice(0, 20));
  });

  test.each<[string, string, string[]]>([
    ["invalid YAML", "agents: [\n", [`${FILE}:2:1: found invalid YAML`]],
    ["top level a list", "- a\n", [`${FILE}: found something other than a mapping`]],
    ["unknown top key", "agent: []\n", [`${FILE}:1: agent: found unknown key "agent" (did you mean "agents"?)`]],
    ["agents not a list", "agents: {}\n", ["agents: found a mapping; expected a list of agents"]],
    ["missing name", "agents:\n- {id: 1, config_project: g/p}\n", ["agents[0].name: found nothing; expected the agent's name"]],
    ["bad name", agent("").replace("dude-agent", "Dude_Agent"), ["agents[0].name: found a string of 10 characters; expected an agent name"]],
    ["negative id", agent("").replace("id: 1", "id: -1"), ["agents[0].id: found the number -1; expected a non-negative integer or a string"]],
    ["duplicate id", `${agent("")}- {id: 1, name: b, config_project: g/p}\n`, [`${FILE}:5: agents[1].id: found id "1" again; expected each agent once (first at agents[0])`]],
    ["token key typo", agent(`  tokens:\n  - {sha265: ${H1}}\n`), [`agents[0].tokens[0].sha265: found unknown key "sha265" (did you mean "sha256"?)`]],
    ["token without sha256", agent("  tokens:\n  - {name: x}\n"), ["agents[0].tokens[0].sha256: found nothing; expected a SHA-256 hash"]],
    ["a raw token instead of its hash", agent("  tokens:\n  - sha256: glagent-abcdefghijklmnop\n"), ["agents[0].tokens[0].sha256: found a string of 24 characters; expected a SHA-256 hash of the token (64 hexadecimal digits), not the token itself"]],
    ["bad shorthand hash", agent("  token_sha256: [abc]\n"), ["agents[0].token_sha256[0]: found a string of 3 characters; expected a SHA-256 hash"]],
    ["revoked not a boolean", agent(`  tokens:\n  - {sha256: ${H1}, revoked: "later"}\n`), ["agents[0].tokens[0].revoked: found a string of 5 characters; expected true or false"]],
    ["tokens a string", agent("  tokens: glagent-secret-pasted-here\n"), ["agents[0].tokens: found a string of 26 characters; expected a list of"]],
    ["a token as a key", agent("  glagent-secret-pasted-here-as-a-key: 1\n"), ["agents[0]: found an unknown key of 35 characters"]],
    ["same hash twice", agent(`  tokens: [{sha256: ${H1}}]\n  token_sha256: [${H1}]\n`), ["agents[0].token_sha256[0]: found a token hash already listed at agents[0].tokens[0].sha256"]],
  ])("%s", (_name, yaml, expected) => {
    const err = errorOf(yaml);
    expect(err.file).toBe(FILE);
    for (const part of expected) expect(err.message).toContain(part);
    expect(err.keys.length).toBeGreaterThan(0);
    expect(err.message).not.toContain(H1);
    expect(err.message).not.toContain("glagent-");
  });

  test("keys names the key paths of all problems", () => {
    const err = errorOf("agents:\n- {id: 1, name: a}\n- {id: 1, name: B, config_project: p}\n");
    expect([...err.keys].sort()).toEqual(["agents[0].config_project", "agents[1].id", "agents[1].name"]);
  });
});
