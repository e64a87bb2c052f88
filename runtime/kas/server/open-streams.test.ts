import { createLogger } from "../../common";
import type { AgentIdentity } from "./access";
import { RpcError } from "./errors";
import { OpenStreams } from "./open-streams";
import type { TokenAuthenticator } from "./ports";

const agent = (id: string): AgentIdentity => ({ id, name: `agent-${id}`, configProjectId: "g/config" });

/** A registry whose answers the test changes: token -> agent, or "down" (RegistryUnavailable). */
function registry(answers: Map<string, AgentIdentity | "down">): TokenAuthenticator & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    authenticate: async (token) => {
      asked.push(token);
      const a = answers.get(token);
      if (a === "down") throw Object.assign(new Error("GitLab is down"), { name: "RegistryUnavailableError" });
      return a;
    },
  };
}

test("a recheck ends the streams of a revoked token (and of a token now naming another agent), asks once per token, and keeps the rest", async () => {
  const answers = new Map<string, AgentIdentity | "down">([
    ["t1", agent("1")],
    ["t2", agent("2")],
    ["t3", agent("3")],
  ]);
  const reg = registry(answers);
  const lines: string[] = [];
  const streams = new OpenStreams(reg, createLogger({ write: (l) => void lines.push(l) }));
  const ended: [string, RpcError][] = [];
  const open = (token: string, id: string, label: string) => streams.add(token, agent(id), (err) => void ended.push([label, err]));
  open("t1", "1", "t1-config");
  open("t1", "1", "t1-objects");
  open("t2", "2", "t2-config");
  const forget = open("t3", "3", "t3-config");
  expect(streams.size).toBe(4);

  answers.delete("t1"); // revoked
  answers.set("t2", agent("9")); // rotated to another agent: not the agent the stream was opened for
  await streams.recheck();
  expect(ended.map(([l]) => l).sort()).toEqual(["t1-config", "t1-objects", "t2-config"]);
  for (const [, err] of ended) expect(err.message).toMatch(/revoked/);
  expect(reg.asked.sort()).toEqual(["t1", "t2", "t3"]);
  expect(streams.size).toBe(1);
  expect(lines.join("")).toContain("Agent token revoked");
  expect(lines.join("")).not.toContain('"t1"');

  forget();
  expect(streams.size).toBe(0);
});

test("a registry that cannot answer keeps the streams; the next recheck decides", async () => {
  const answers = new Map<string, AgentIdentity | "down">([["t1", "down"]]);
  const streams = new OpenStreams(registry(answers), createLogger({ write: () => undefined }));
  let ended = 0;
  streams.add("t1", agent("1"), () => void ended++);
  await streams.recheck();
  expect(ended).toBe(0);
  answers.delete("t1");
  await streams.recheck();
  expect(ended).toBe(1);
});

test("rechecks asked for during a pass run one more pass, not one each", async () => {
  const answers = new Map<string, AgentIdentity | "down">([["t1", agent("1")]]);
  const reg = registry(answers);
  const streams = new OpenStreams(reg, createLogger({ write: () => undefined }));
  streams.add("t1", agent("1"), () => undefined);
  await Promise.all([streams.recheck(), streams.recheck(), streams.recheck(), streams.recheck()]);
  expect(reg.asked).toHaveLength(2);
});
