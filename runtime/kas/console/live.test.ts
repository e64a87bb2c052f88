/** The live stream's bounds (clients, a client that does not read, sign-out) and what each viewer is told. */
import { EventEmitter } from "node:events";
import type * as http from "node:http";
import { LiveHub, viewerKey } from "./live";
import type { ConsoleViewer } from "./viewer";

/** A response whose socket buffer we set: what a client that stops reading looks like to the server. */
class Res extends EventEmitter {
  writableLength = 0;
  written = "";
  ended = false;
  writeHead(): this {
    return this;
  }
  write(chunk: string): boolean {
    this.written += chunk;
    return true;
  }
  end(): void {
    this.ended = true;
    this.emit("close");
  }
}
const asRes = (r: Res) => r as unknown as http.ServerResponse;
const OPERATOR: ConsoleViewer = { kind: "api-token" };
const WALTER: ConsoleViewer = { kind: "gitlab-user", username: "walter", accessToken: "glpat-walter" };
const DONNY: ConsoleViewer = { kind: "gitlab-user", username: "donny", accessToken: "glpat-donny" };
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
const changes = (r: Res): number => r.written.split("event: changed").length - 1;

test("GIVEN maxClients streams THEN one more is refused; a client whose buffer is over the bound is dropped, the others get the change; sign-out ends its streams", async () => {
  let state = "a";
  const hub = new LiveHub(async () => state, { maxClients: 3, heartbeatMs: 60_000, pollMs: 10, maxBufferedBytes: 1024, maxStreamMs: 60_000 });
  const [fast, slow, session] = [new Res(), new Res(), new Res()];
  expect(hub.attach(asRes(fast), OPERATOR)).toBe(true);
  expect(hub.attach(asRes(slow), OPERATOR)).toBe(true);
  expect(hub.attach(asRes(session), OPERATOR, "s1")).toBe(true);
  expect(hub.attach(asRes(new Res()), OPERATOR)).toBe(false);
  await tick(30);
  slow.writableLength = 4096;
  state = "b";
  await tick(50);
  expect(fast.written).toContain("event: changed\ndata: 1\n\n");
  expect(slow.ended).toBe(true);
  expect(slow.written).not.toContain("event: changed");
  expect(hub.size).toBe(2);
  hub.endSession("s1");
  expect(session.ended).toBe(true);
  expect(hub.size).toBe(1);
  hub.close();
  expect(fast.ended).toBe(true);
});

test("GIVEN the operator, walter (sees agent 1) and donny (sees none) WHEN agent 2 changes THEN only the operator is told; WHEN agent 1 changes THEN the operator and walter; each viewer's state computed once per poll", async () => {
  const agents = { "1": "a", "2": "a" };
  const computed: string[] = [];
  const visible = (v: ConsoleViewer): string[] => (v.kind === "api-token" ? ["1", "2"] : v.username === "walter" ? ["1"] : []);
  const hub = new LiveHub(async (v) => (computed.push(viewerKey(v)), JSON.stringify(visible(v).map((id) => [id, agents[id as "1" | "2"]]))), { maxClients: 10, heartbeatMs: 60_000, pollMs: 10, maxBufferedBytes: 1024, maxStreamMs: 60_000 });
  const [op, walter, walter2, donny] = [new Res(), new Res(), new Res(), new Res()];
  hub.attach(asRes(op), OPERATOR);
  hub.attach(asRes(walter), WALTER);
  hub.attach(asRes(walter2), WALTER, "walter's other tab");
  hub.attach(asRes(donny), DONNY);
  await tick(40);
  computed.length = 0;
  await tick(15);
  // Per poll: one computation per viewer, not per stream (walter's two tabs share one).
  const perPoll = computed.filter((k) => k === "api-token").length;
  expect(perPoll).toBeGreaterThan(0);
  expect(Math.abs(computed.filter((k) => k.startsWith("gitlab-user:walter:")).length - perPoll)).toBeLessThanOrEqual(1);
  agents["2"] = "b";
  await tick(50);
  expect([changes(op), changes(walter), changes(walter2), changes(donny)]).toEqual([1, 0, 0, 0]);
  agents["1"] = "b";
  await tick(50);
  expect([changes(op), changes(walter), changes(walter2), changes(donny)]).toEqual([2, 1, 1, 0]);
  // The event names nothing: a counter per viewer.
  expect(walter.written).toContain("event: changed\ndata: 1\n\n");
  expect(computed.join(" ")).not.toContain("glpat");
  hub.close();
});
