/**
 * Issue 13 item 1: a client (or a proxy) that drops the TCP connection right
 * after the WebSocket upgrade must never take kas down. Before the fix, the
 * HTTP/2 session injected for the tunnel outlived its socket, and its next
 * keepalive ping wrote into a dead stream: an uncaught ERR_INTERNAL_ASSERTION.
 */
import { eventually, startKasProcess, type KasProcess } from "./kas-process";
import { sessionThenDrop, upgradeAndDrop } from "./raw-ws";

let kas: KasProcess;

beforeAll(async () => {
  // A short keepalive makes the session write (ping) soon after each drop.
  kas = await startKasProcess({ kasYaml: { agent_connections: { keepalive_time: "1s", keepalive_timeout: "1s" } } });
}, 90_000);

afterAll(async () => {
  await kas?.stop();
});

test("kas survives 60 tunnels dropped right after 101 Switching Protocols and 40 dropped under live HTTP/2 sessions, and a1 still syncs over the tunnel", async () => {
  const token = kas.tokens.mallory as string;
  const kinds = ["drop", "preface", "half-close"] as const;
  for (let i = 0; i < 60; i++) await upgradeAndDrop(kas.wsPort, kas.wsPath, token, kinds[i % 3]!);
  // A proxy dropping agents' connections: live HTTP/2 sessions (some with a stream open) lose their TCP connection.
  for (let i = 0; i < 40; i++) await sessionThenDrop(kas.wsPort, kas.wsPath, token, i % 2 === 1);
  // Past several keepalive intervals: the sessions of the dropped tunnels would have pinged by now.
  for (const until = Date.now() + 4_000; Date.now() < until; ) {
    if (!kas.alive()) throw new Error(`kas exited after the dropped tunnels:\n${kas.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(kas.output()).not.toMatch(/ERR_INTERNAL_ASSERTION/);
  const sync = await kas.legitimate("ws");
  expect(sync.batch.files.map((f) => f.path)).toEqual(["manifests/cm.yaml"]);
  // Every dropped tunnel's session is gone: no HTTP/2 session lingers for a dead socket.
  await eventually("tunnel sessions closed", async () => ((await kas.metric("kas_websocket_tunnels_open")) === 0 ? true : undefined));
}, 60_000);
