/**
 * Issue 21 item 3 and item 5's rule for pods and logs, end to end: kas's
 * workloads routes read the nginx Deployment's pods, events and logs through
 * agentk's tunnel (agentk a real process, the real test cluster with KWOK
 * pods and logs); kas's operator reads as the agent, read-only; bad names
 * are 400s; a follow ends when its client goes away, and a loop of dropped
 * follows leaves no tunnel request open. GitLab users, signed in through
 * GitLab, are tested in test/console/workloads-browser.test.ts.
 */
import * as http from "node:http";
import { CONTENT_SECURITY_POLICY } from "../../runtime/kas/console";
import type { WorkloadsAnswer } from "../../runtime/kas/workloads";
import type { KubeApiProcessScenario } from "../kubeapi/scenario";
import { AGENT } from "../kubeapi/scenario";
import { heldBytes, MiB } from "../kubeapi/raw-client";
import { until } from "../until";
import { API_TOKEN, startWorkloadsScenario } from "./scenario";

let sc: KubeApiProcessScenario;
const auth = { authorization: `Bearer ${API_TOKEN}` };
const api = (p: string): string => `${sc.kas.apiUrl}${p}`;
const WORKLOADS = `/api/v1/agents/${AGENT.id}/workloads`;

async function workloads(base: string, headers: Record<string, string> = auth): Promise<WorkloadsAnswer> {
  const res = await fetch(`${base}${WORKLOADS}`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as WorkloadsAnswer;
}

/** Opens a log follow; resolves with its status, what it has read so far, and a way to drop the connection. */
function follow(url: string, headers: Record<string, string>): Promise<{ status: number; text: () => string; drop: () => void; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString("utf8")));
      const ended = new Promise<void>((r) => res.once("close", () => r()));
      resolve({ status: res.statusCode ?? 0, text: () => text, drop: () => req.destroy(), ended });
    });
    req.once("error", (err) => (req.destroyed ? undefined : reject(err)));
  });
}

let nginxPod = "";

beforeAll(async () => {
  sc = await startWorkloadsScenario();
  // The Deployment synced, reported, and its 2 KWOK pods Running.
  const answer = await until("nginx-deployment-dude's 2 pods Running", async () => {
    const res = await fetch(api(WORKLOADS), { headers: auth });
    if (res.status !== 200) return undefined;
    const a = (await res.json()) as WorkloadsAnswer;
    const w = a.workloads.find((x) => x.name === "nginx-deployment-dude");
    return w && w.pods.length === 2 && w.pods.every((p) => p.phase === "Running" && p.ready === "1/1") ? a : undefined;
  }, 120_000, () => sc.agentk.output().slice(-3000));
  nginxPod = answer.workloads[0]!.pods[0]!.name;
}, 300_000);

afterAll(async () => {
  await sc?.stop();
});

test("the operator: the nginx Deployment in dude with its pods' status, restarts, age, node and events", async () => {
  const a = await workloads(sc.kas.apiUrl);
  expect(a.agent).toMatchObject({ id: AGENT.id, connected: true });
  expect(a.workloads).toHaveLength(1);
  const w = a.workloads[0]!;
  expect(w).toMatchObject({ kind: "Deployment", namespace: "dude", name: "nginx-deployment-dude", selector: "app=nginx" });
  expect(w.error).toBeUndefined();
  expect(w.pods_error).toBeUndefined();
  expect(w.events_error).toBeUndefined();
  for (const p of w.pods) {
    expect(p).toMatchObject({ namespace: "dude", phase: "Running", ready: "1/1", restarts: 0, containers: ["nginx"] });
    expect(p.name).toMatch(/^nginx-deployment-dude-/);
    expect(p.node).not.toBe("");
    expect(p.age_seconds).toBeGreaterThanOrEqual(0);
  }
  // The controllers' events: the Deployment scaled its ReplicaSet, the scheduler placed each pod.
  expect(w.events.map((e) => e.reason)).toContain("ScalingReplicaSet");
  expect(w.pods.flatMap((p) => p.events.map((e) => e.reason))).toContain("Scheduled");
  await sc.tunnelsFreed();
}, 60_000);

test("the page: in the console's layout (its header, stylesheet and CSP, no inline style or script), a server-rendered table of the pods, escaped, with the log links and its own script", async () => {
  const res = await fetch(api(`/agents/${AGENT.id}/workloads`), { headers: auth });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
  const html = await res.text();
  expect(html).toContain('<span class="who">signed in with the API token</span><form method="post" action="/sign-out"');
  expect(html).toContain('<link rel="stylesheet" href="/assets/console.css">');
  expect(html).not.toMatch(/<style|style=|<script>|<script(?![^>]*\bsrc=)/);
  expect(html).toContain(' data-live="/api/v1/events" data-refresh="15"');
  expect(html).toContain(`<a href="/agents/${AGENT.id}" id="back">`);
  expect(html).toContain("<h2>Deployment dude/nginx-deployment-dude</h2>");
  expect(html).toContain(`<td>${nginxPod}</td>`);
  expect(html).toContain(`href="/api/v1/agents/${AGENT.id}/pods/dude/${nginxPod}/log?tailLines=200"`);
  expect(html).toContain('<script src="/assets/workloads.js" defer></script>');
  const js = await fetch(api("/assets/workloads.js"), { headers: auth });
  expect(js.headers.get("content-type")).toContain("text/javascript");
  expect(await js.text()).toContain("getReader");
});

test("without the api token: 401, nothing read", async () => {
  for (const p of [WORKLOADS, `/agents/${AGENT.id}/workloads`, `/api/v1/agents/${AGENT.id}/pods/dude/${nginxPod}/log`]) {
    expect((await fetch(api(p))).status).toBe(401);
    expect((await fetch(api(p), { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
  }
});

test("the nginx pod's log streams with follow, a line written later included; the client going away frees the tunnel (agentk back to 0 open requests)", async () => {
  sc.cluster.appendPodLog("workloads line one");
  const f = await follow(api(`/api/v1/agents/${AGENT.id}/pods/dude/${nginxPod}/log?follow=true&tailLines=50`), auth);
  expect(f.status).toBe(200);
  try {
    await until("the first line", async () => (f.text().includes("workloads line one") ? true : undefined), 20_000, f.text);
    expect(sc.kas.kas.tunnels.counts(AGENT.id).inUse).toBe(1);
    expect(await sc.agentk.openRequests()).toBe(1);
    sc.cluster.appendPodLog("workloads line two");
    await until("the line written later", async () => (f.text().includes("workloads line two") ? true : undefined), 20_000, f.text);
  } finally {
    f.drop();
  }
  await sc.tunnelsFreed();
  expect(await sc.agentk.openRequests()).toBe(0);
}, 60_000);

test("bad names and queries: 400 before anything reaches the agent; other pod subresources: 404", async () => {
  const base = `/api/v1/agents/${AGENT.id}/pods`;
  for (const p of [`${base}/Dude/${nginxPod}/log`, `${base}/dude/..%2Fsecrets/log`, `${base}/dude/${nginxPod}/log?tailLines=100000`, `${base}/dude/${nginxPod}/log?container=a%2Fb`, "/api/v1/agents/a%3Ab/workloads"]) {
    const res = await fetch(api(p), { headers: auth });
    expect({ p, status: res.status }).toEqual({ p, status: 400 });
    expect(((await res.json()) as { message: string }).message).toMatch(/^kas: .*expected/);
  }
  for (const sub of ["exec", "attach", "portforward", "proxy"]) {
    const res = await fetch(api(`${base}/dude/${nginxPod}/${sub}`), { headers: auth });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toContain("only <namespace>/<pod>/log is served");
  }
  expect(await sc.agentk.openRequests()).toBe(0);
});

test("an attacker's loop: 40 log follows opened and dropped (some before the head) leave no tunnel request open", async () => {
  const url = api(`/api/v1/agents/${AGENT.id}/pods/dude/${nginxPod}/log?follow=true&tailLines=5`);
  for (let round = 0; round < 5; round++) {
    const opened = await Promise.all(Array.from({ length: 8 }, () => follow(url, auth)));
    // Within the viewer's bound of open logs, each one was admitted.
    expect(opened.map((f) => f.status)).toEqual(Array(8).fill(200));
    opened.forEach((f) => f.drop());
    // Dropped before kas answers: the request goes as well.
    const early = http.get(url, { headers: auth });
    early.on("error", () => undefined);
    setImmediate(() => early.destroy());
    await Promise.all(opened.map((f) => f.ended));
  }
  await sc.tunnelsFreed();
  expect(await sc.agentk.openRequests()).toBe(0);
  // The viewer's slots came back: a follow still works.
  const f = await follow(url, auth);
  expect(f.status).toBe(200);
  f.drop();
  await sc.tunnelsFreed();
}, 120_000);

test("a client that reads nothing while 14 MiB of log are written holds the tunnel's reads, not kas's memory; reading again gets every line", async () => {
  const url = api(`/api/v1/agents/${AGENT.id}/pods/dude/${nginxPod}/log?follow=true&tailLines=0`);
  const before = heldBytes();
  let bytes = 0;
  let text = "";
  const answered = new Promise<http.IncomingMessage>((resolve, reject) => http.get(url, { headers: auth }, resolve).once("error", reject));
  // The apiserver sends the head of a follow with its first line.
  await until("the follow open through the tunnel", async () => (sc.kas.kas.tunnels.counts(AGENT.id).inUse === 1 ? true : undefined), 10_000);
  sc.cluster.appendPodLog("slow reader: the first line");
  const res = await answered;
  expect(res.statusCode).toBe(200);
  res.pause();
  const line = "x".repeat(1000);
  for (let i = 0; i < 14; i++) sc.cluster.appendPodLog(...Array.from({ length: 1024 }, (_, j) => `${i}-${j} ${line}`));
  sc.cluster.appendPodLog("slow reader: the last line");
  await new Promise((r) => setTimeout(r, 2_000));
  const held = heldBytes() - before;
  console.log(`a paused log follow with 14 MiB written: kas's process held ${(held / MiB).toFixed(1)} MiB more`);
  // Buffered, the log would take 14 MiB here; paused, it waits in agentk and the sockets.
  expect(held).toBeLessThan(6 * MiB);
  res.on("data", (c: Buffer) => {
    bytes += c.length;
    text = (text + c.toString("utf8")).slice(-200);
  });
  res.resume();
  await until("every line, the last included", async () => (text.includes("slow reader: the last line") ? true : undefined), 60_000, () => `${bytes} bytes`);
  expect(bytes).toBeGreaterThan(14 * 1024 * 1000);
  res.destroy();
  await sc.tunnelsFreed();
}, 120_000);
