/**
 * The console over real loopback HTTP, kas in-process (no cluster, no
 * browser): nothing without a credential, sign-in and sign-out with the
 * session cookie, the live stream and its bounds, and an agentk whose
 * apiserver is unreachable shown as "cluster unreachable", not "connected".
 */
import * as net from "node:net";
import * as path from "node:path";
import { createLogger } from "../../runtime/common";
import { startAgent, type RunningAgent } from "../../runtime/agentk";
import { CONTENT_SECURITY_POLICY } from "../../runtime/kas/console";
import { makeRepo, removeDir, tempDir } from "../git";
import { startTestKas, type TestKas } from "../kas";
import { until } from "../until";

const API_TOKEN = "console-api-t0ken-0123456789";
let dir: string;
let kas: TestKas;
const bearer = { authorization: `Bearer ${API_TOKEN}` };

beforeAll(async () => {
  dir = await tempDir();
  await makeRepo(path.join(dir, "config"), { ".gitlab/agents/lost-agent/config.yaml": "observability: {logging: {level: debug}}\n" });
  kas = await startTestKas({
    agents: [
      { name: "lost-agent", id: "1", configProject: "g/config" },
      { name: "idle-agent", id: "2", configProject: "g/config" },
    ],
    projects: [{ id: "g/config", url: path.join(dir, "config") }],
    apiToken: API_TOKEN,
  });
});
afterAll(async () => {
  await kas?.stop();
  await removeDir(dir);
});

async function signIn(token = API_TOKEN, next = "/agents/1"): Promise<Response> {
  return fetch(`${kas.apiUrl}/sign-in`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token, next }).toString() });
}
const cookieOf = (res: Response): string => (res.headers.get("set-cookie") ?? "").split(";")[0] as string;

test("without a credential the pages answer 401 with the sign-in form and the API 401 JSON; nothing of the agents shows", async () => {
  for (const p of ["/", "/agents/1", "/agents/1/workloads"]) {
    const res = await fetch(`${kas.apiUrl}${p}`);
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('<form method="post" action="/sign-in"');
    expect(html).not.toContain("lost-agent");
    expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
  }
  for (const p of ["/api/v1/agents", "/api/v1/agents/1", "/api/v1/events"]) {
    const res = await fetch(`${kas.apiUrl}${p}`, { headers: { cookie: "kas_console_session=made-up" } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: expect.stringContaining("missing Authorization: Bearer") });
  }
  // The assets are no secret: the sign-in page needs them.
  expect((await fetch(`${kas.apiUrl}/assets/console.js`)).status).toBe(200);
});

test("signing in with the API token sets an HttpOnly SameSite=Strict session cookie; a wrong token gets the form again, 401", async () => {
  const wrong = await signIn("nope");
  expect(wrong.status).toBe(401);
  expect(await wrong.text()).toContain("Wrong token.");
  const res = await signIn();
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe("/agents/1");
  expect(res.headers.get("set-cookie")).toMatch(/^kas_console_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  const cookie = cookieOf(res);
  const list = await fetch(`${kas.apiUrl}/`, { headers: { cookie } });
  expect(list.status).toBe(200);
  const html = await list.text();
  expect(html).toContain(">lost-agent</a>");
  expect(html).toMatch(/>idle-agent<\/a><\/td><td>-<\/td><td class="muted">never connected</);
  // An https front (a TLS-terminating proxy) gets a Secure cookie.
  const secure = await fetch(`${kas.apiUrl}/sign-in`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-proto": "https" }, body: `token=${API_TOKEN}` });
  expect(secure.headers.get("set-cookie")).toMatch(/; Secure$/);
  // Signing out ends the session: the cookie no longer opens anything.
  const out = await fetch(`${kas.apiUrl}/sign-out`, { method: "POST", redirect: "manual", headers: { cookie } });
  expect(out.status).toBe(303);
  expect(out.headers.get("set-cookie")).toMatch(/^kas_console_session=; .*Max-Age=0/);
  expect((await fetch(`${kas.apiUrl}/api/v1/agents`, { headers: { cookie } })).status).toBe(401);
});

/** Reads an SSE stream's text as it comes. */
async function openEvents(headers: Record<string, string>): Promise<{ text: () => string; ended: Promise<void>; abort: () => void }> {
  const ctl = new AbortController();
  const res = await fetch(`${kas.apiUrl}/api/v1/events`, { headers, signal: ctl.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  let text = "";
  const reader = res.body!.getReader();
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString();
      }
    } catch {
      // aborted
    }
  })();
  return { text: () => text, ended, abort: () => ctl.abort() };
}

test("an agentk whose apiserver is unreachable: 'cluster unreachable', not 'connected' (its hostile version escaped); the live stream says it changed; sign-out ends the stream", async () => {
  const cookie = cookieOf(await signIn());
  const events = await openEvents({ cookie });
  await until("hello", async () => (events.text().includes("event: hello") ? true : undefined), 5_000);
  // A port nobody listens on: the apiserver is unreachable.
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  let agent: RunningAgent | undefined;
  try {
    agent = await startAgent({
      kasAddress: `grpc://${kas.grpcAddress}`,
      token: kas.tokens["lost-agent"]!,
      cluster: { server: new URL(`https://127.0.0.1:${port}`), tls: { rejectUnauthorized: false }, headers: async () => ({}), source: "test: nothing listens" },
      namespace: "gitlab-agent",
      podName: "lost-0",
      leaderElection: false,
      tunnels: 0,
      clusterProbeIntervalMs: 200,
      // What an agent reports is the agent's to write: a hostile one's version is text on the page.
      build: { version: "<script>alert(1)</script>", commit: "" },
      logger: createLogger({ level: "error", write: () => undefined }),
    });
    const api = await until("the cluster status reached kas", async () => {
      const body = (await (await fetch(`${kas.apiUrl}/api/v1/agents`, { headers: bearer })).json()) as { agents: { id: string; state: string; connected?: boolean; cluster?: { reachable: boolean; error: string } }[] };
      const a = body.agents.find((x) => x.id === "1");
      return a?.cluster ? a : undefined;
    }, 15_000);
    expect(api).toMatchObject({ state: "cluster unreachable", connected: true, cluster: { reachable: false, error: expect.stringContaining("ECONNREFUSED") } });
    const html = await (await fetch(`${kas.apiUrl}/`, { headers: bearer })).text();
    expect(html).toContain('<td class="bad">cluster unreachable</td>');
    expect(html).toContain("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>");
    expect(html).not.toContain("<script>alert");
    expect(html).not.toMatch(/lost-agent<\/a><\/td><td>[^<]*<\/td><td class="ok">connected/);
    await until("a changed event", async () => (events.text().includes("event: changed") ? true : undefined), 10_000, events.text);
  } finally {
    await agent?.close();
  }
  await fetch(`${kas.apiUrl}/sign-out`, { method: "POST", redirect: "manual", headers: { cookie } });
  await events.ended;
});
