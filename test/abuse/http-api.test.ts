/**
 * Abuse of kas's HTTP side and of its registry file, against kas as its own
 * process on loopback (issue 13 items 7, 8, 9, 10, 12 webhook half): bad
 * webhook bodies, a burst of wrong secrets, the agents API without its token,
 * a flood of GETs after a huge status report, and a registry file emptied or
 * cut mid-write. After each, agent a1 on a fresh connection still gets its
 * configuration and objects.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { connectTarget } from "../../runtime/agentk/connection";
import { bearerMetadata, createClients, type SyncStatusReport } from "../../runtime/rpc";
import { freePorts } from "../cluster/ports";
import { postRaw } from "../kas";
import { eventually, startKasProcess, type KasProcess } from "./kas-process";

const SECRET = "abuse-webhook-s3cret";
const API_TOKEN = "abuse-api-t0ken-0123456789";
const MiB = 1024 * 1024;

let kas: KasProcess | undefined;
afterEach(async () => {
  await kas?.stop();
  kas = undefined;
});

const hook = (k: KasProcess, body: Buffer | string, secret = SECRET) =>
  postRaw(`${k.webhookUrl}/api/v1/webhooks/push`, { headers: { "x-gitlab-token": secret }, body: Buffer.from(body) });

test("webhook: null body is 400, a 2 MiB body with the right secret is 413 (not a reset), 300 wrong secrets are counted but log at most 10 lines", async () => {
  kas = await startKasProcess({ kasYaml: { webhook: { secret_file: "webhook-secret" } }, files: { "webhook-secret": `${SECRET}\n` } });
  expect(await hook(kas, "null")).toMatchObject({ status: 400 });
  expect(await hook(kas, "[]")).toMatchObject({ status: 400 });
  for (let i = 0; i < 3; i++) {
    const res = await hook(kas, Buffer.alloc(2 * MiB, "x"));
    expect(res).toMatchObject({ status: 413, headers: { connection: "close" } });
  }
  expect(await hook(kas, '{"project":{"path_with_namespace":"g/config"}}', "")).toMatchObject({ status: 401 });
  for (let i = 0; i < 300; i++) expect(await hook(kas, '{"project":{"path_with_namespace":"g/config"}}', `wrong-${i}`)).toMatchObject({ status: 401 });
  expect(await kas.metric("kas_webhook_refused_total", /reason="token"/)).toBe(301);
  expect(await kas.metric("kas_webhook_refused_total", /reason="too_large"/)).toBe(3);
  expect(await kas.metric("kas_webhook_refused_total", /reason="bad_request"/)).toBe(2);
  expect(kas.logs(/^Push webhook refused$/).length).toBeLessThanOrEqual(10);
  expect(kas.logs(/^HTTP API error$/)).toHaveLength(0);
  expect(await hook(kas, '{"project":{"path_with_namespace":"g/config"}}')).toMatchObject({ status: 202 });
  await kas.legitimate();
});

test("webhook: kas refuses to start with an empty secret file, and starts once it holds a secret", async () => {
  await expect(startKasProcess({ kasYaml: { webhook: { secret_file: "webhook-secret" } }, files: { "webhook-secret": "\n" } })).rejects.toThrow(
    /webhook\.secret_file: \S+webhook-secret is empty; expected a secret/,
  );
  kas = await startKasProcess({ kasYaml: { webhook: { secret_file: "webhook-secret" } }, files: { "webhook-secret": SECRET } });
  expect(await hook(kas, "", "")).toMatchObject({ status: 401 });
  await kas.legitimate();
});

test("agents API: a configured token is required (also on loopback); probes and metrics are on another port; a non-loopback API without a token does not start", async () => {
  const [port] = (await freePorts(1)) as [number];
  await expect(startKasProcess({ kasYaml: { listen: { api: `localhost:${port}` } } })).rejects.toThrow(/listen\.api: localhost:\d+ is not a loopback address, and api\.token_file is not set/);
  kas = await startKasProcess({ kasYaml: { api: { token_file: "api-token" } }, files: { "api-token": API_TOKEN } });
  for (const p of ["/api/v1/agents", "/"]) {
    for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: API_TOKEN }] as Record<string, string>[]) {
      const res = await fetch(`${kas.apiUrl}${p}`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
      expect(await res.text()).not.toContain("a1");
    }
    expect((await fetch(`${kas.apiUrl}${p}`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${kas.httpUrl}${p}`)).status).toBe(404);
  }
  expect((await fetch(`${kas.httpUrl}/metrics`)).status).toBe(200);
  expect((await fetch(`${kas.apiUrl}/metrics`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status).toBe(404);
  expect(kas.logs(/^Agents API without a token/)).toHaveLength(0);
  await kas.legitimate();
});

test("agents API: after mallory reports 5,000 objects and multi-MB strings, 200 GETs (20 at a time) get a bounded report and kas's memory stays bounded", async () => {
  kas = await startKasProcess();
  expect(kas.logs(/^Agents API without a token/)).toHaveLength(1);
  await kas.legitimate();
  const rssBefore = kas.rssMiB();
  const token = kas.tokens.mallory as string;
  const target = await connectTarget(`grpc://${kas.grpc}`, { token });
  const clients = createClients(target.target, target.credentials);
  const huge = (n: number, c: string) => c.repeat(n);
  const objects = Array.from({ length: 5000 }, (_, i) => ({
    group: "",
    version: "v1",
    kind: "ConfigMap",
    namespace: "evil",
    name: i < 2 ? huge(MiB, "n") : `cm-${i}`,
    status: "Failed",
    message: i < 2 ? huge(MiB, "m") : "forbidden",
  }));
  const report: SyncStatusReport = { project_id: "g/evil", commit_id: huge(100_000, "c"), success: false, error: huge(3 * MiB, "e"), objects, started_at_unix_ms: 1, finished_at_unix_ms: 2 };
  try {
    await new Promise<void>((resolve, reject) => clients.status.ReportSyncStatus(report, bearerMetadata(token), {}, (err) => (err ? reject(err) : resolve())));
  } finally {
    clients.close();
    await target.close();
  }
  const rssAfterReport = kas.rssMiB();
  let largest = 0;
  let peak = rssAfterReport;
  for (let round = 0; round < 10; round++) {
    const sizes = await Promise.all(Array.from({ length: 20 }, async () => (await (await fetch(`${kas!.apiUrl}/api/v1/agents`)).arrayBuffer()).byteLength));
    largest = Math.max(largest, ...sizes);
    peak = Math.max(peak, kas.rssMiB());
  }
  const api = (await (await fetch(`${kas.apiUrl}/api/v1/agents`)).json()) as {
    agents: { name: string; projects: Record<string, { lastReport?: { objects: { name: string; message: string }[]; objects_omitted: number; error: string; commit_id: string } }> }[];
  };
  const stored = api.agents.find((a) => a.name === "mallory")?.projects["g/evil"]?.lastReport;
  expect(stored).toBeDefined();
  expect(stored!.objects.length).toBeLessThanOrEqual(200);
  expect(stored!.objects.length + stored!.objects_omitted).toBe(5000);
  expect(Buffer.byteLength(stored!.error)).toBeLessThanOrEqual(4096);
  expect(Buffer.byteLength(stored!.commit_id)).toBeLessThanOrEqual(256);
  for (const o of stored!.objects) expect(Buffer.byteLength(o.name) + Buffer.byteLength(o.message)).toBeLessThanOrEqual(4096 + 256);
  // About 7.5 MB reported; each response stays under 256 KiB, and 200 of them add little memory.
  expect(largest).toBeLessThan(256 * 1024);
  expect(peak - rssAfterReport).toBeLessThan(64);
  expect(peak).toBeLessThan(rssBefore + 192);
  const page = await fetch(`${kas.apiUrl}/`);
  expect((await page.arrayBuffer()).byteLength).toBeLessThan(256 * 1024);
  process.stdout.write(
    `agents API flood: response ${(largest / 1024).toFixed(1)} KiB; kas RSS ${rssBefore.toFixed(0)} MiB before, ${rssAfterReport.toFixed(0)} MiB after the report, peak ${peak.toFixed(0)} MiB during 200 GETs\n`,
  );
  await kas.legitimate();
});

test("registry: an empty and a half-written agents.yaml keep the last good registry and log at error; a1 still authenticates", async () => {
  kas = await startKasProcess();
  await kas.legitimate();
  const file = path.join(kas.dir, "agents.yaml");
  const good = `agents:\n- id: "1"\n  name: a1\n  config_project: g/config\n  token_sha256: [${"0".repeat(64)}]\n`;
  const cases: [string, string][] = [
    ["empty", ""],
    ["cut off after agents:", "agents:\n"],
    ["cut off mid-list", good.slice(0, good.length - 20)],
  ];
  for (const [name, content] of cases) {
    const errorsBefore = kas.logs(/^Agent registry file is invalid; keeping the last good registry$/).length;
    // Written in place, not renamed over: what a writer leaves mid-write.
    writeFileSync(file, content);
    await eventually(`an error line for the ${name} registry`, () => (kas!.logs(/^Agent registry file is invalid/).length > errorsBefore ? true : undefined));
    const line = kas.logs(/^Agent registry file is invalid/).at(-1)!;
    expect(line.level).toBe("error");
    expect(line.file).toBe(file);
    await kas.legitimate();
  }
  expect(kas.logs(/^Agent registry reloaded$/).filter((l) => l.count === 0)).toHaveLength(0);
  kas.writeAgents({ a1: [kas.tokens.a1 as string] });
  await eventually("the good registry reloaded", () => (kas!.logs(/^Agent registry reloaded$/).length > 0 ? true : undefined));
  await kas.legitimate();
});
