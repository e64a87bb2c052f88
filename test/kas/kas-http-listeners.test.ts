/**
 * kas's HTTP listeners under hostile input (issue 13 items 7, 8, 10, 12):
 * the webhook answers null bodies and oversized bodies with 400/413 (not 500,
 * not a reset) and counts and rate-limits its refusals; the agents API wants
 * its bearer token and serves bounded, cached reports; an empty secret file
 * stops kas from starting.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { createLogger } from "../../runtime/common";
import { KasConfigError, loadKasConfig, startKas } from "../../runtime/kas";
import { bearerMetadata, type SyncStatusReport } from "../../runtime/rpc";
import { makeRepo, removeDir, tempDir } from "../git";
import { postRaw, startTestKas, type TestKas } from "./index";

const SECRET = "webhook-s3cret";
const API_TOKEN = "api-t0ken-0123456789";
let dir: string;
let kas: TestKas;

beforeAll(async () => {
  dir = await tempDir();
  await makeRepo(path.join(dir, "config"), { ".gitlab/agents/a1/config.yaml": "gitops: {}\n" });
  kas = await startTestKas({
    agents: [{ name: "a1", id: "1", configProject: "g/config" }],
    projects: [{ id: "g/config", url: path.join(dir, "config") }],
    webhookSecret: SECRET,
    apiToken: API_TOKEN,
  });
});
afterAll(async () => {
  await kas?.stop();
  await removeDir(dir);
});

const hook = (body: Buffer | string, opts: { secret?: string; chunked?: boolean } = {}) =>
  postRaw(`${kas.webhookUrl}/api/v1/webhooks/push`, { headers: { "x-gitlab-token": opts.secret ?? SECRET }, body: Buffer.from(body), chunked: opts.chunked });
const refused = async (reason: string): Promise<number> => {
  const text = await (await fetch(`${kas.httpUrl}/metrics`)).text();
  return Number(new RegExp(`^kas_webhook_refused_total\\{reason="${reason}"\\} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
};

describe("push webhook", () => {
  test.each(["null", "[]", '"push"', "42", "{}", '{"project": null}', '{"project": {"path_with_namespace": 7}}', "{"])("body %s is 400, not 500", async (body) => {
    const before = await refused("bad_request");
    const res = await hook(body);
    expect(res).toMatchObject({ status: 400 });
    expect(await refused("bad_request")).toBe(before + 1);
  });

  test.each([false, true])("a 2 MiB body with the right secret is answered 413 with connection: close, not reset (chunked: %s)", async (chunked) => {
    const before = await refused("too_large");
    const res = await hook(Buffer.alloc(2 * 1024 * 1024, "a"), { chunked });
    expect(res).toMatchObject({ status: 413, headers: { connection: "close" } });
    expect(await refused("too_large")).toBe(before + 1);
  });

  test("a body of exactly 1 MiB is read (and is a bad event, not too large)", async () => {
    const res = await hook(Buffer.alloc(1024 * 1024, " "));
    expect(res).toMatchObject({ status: 400 });
  });

  test("an empty X-Gitlab-Token is refused", async () => {
    expect(await hook('{"project": {"path_with_namespace": "g/config"}}', { secret: "" })).toMatchObject({ status: 401 });
  });

  test("a burst of 200 wrong secrets: each 401 and counted, but at most 10 log lines", async () => {
    const linesBefore = kas.logs.filter((l) => l.includes('"msg":"Push webhook refused"')).length;
    const before = await refused("token");
    for (let i = 0; i < 200; i++) expect(await hook('{"project": {"path_with_namespace": "g/config"}}', { secret: `wrong-${i}` })).toMatchObject({ status: 401 });
    expect(await refused("token")).toBe(before + 200);
    const lines = kas.logs.filter((l) => l.includes('"msg":"Push webhook refused"')).length - linesBefore;
    expect(lines).toBeLessThanOrEqual(10);
  });

  test("the right secret and a configured project: 202", async () => {
    expect(await hook('{"project": {"path_with_namespace": "g/config"}}')).toMatchObject({ status: 202 });
  });
});

describe("agents API", () => {
  test.each<[string, Record<string, string>, number]>([
    ["no credential", {}, 401],
    ["a wrong token", { authorization: "Bearer nope" }, 401],
    ["the webhook secret", { authorization: `Bearer ${SECRET}` }, 401],
    ["basic auth", { authorization: `Basic ${Buffer.from(`x:${API_TOKEN}`).toString("base64")}` }, 401],
    ["the token", { authorization: `Bearer ${API_TOKEN}` }, 200],
  ])("%s: HTTP %s (also on loopback, because a token is configured)", async (_name, headers, status) => {
    for (const p of ["/api/v1/agents", "/"]) {
      const res = await fetch(`${kas.apiUrl}${p}`, { headers });
      expect(res.status).toBe(status);
      if (status === 401) expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
    }
  });

  test("a huge report is stored bounded, and 50 GETs serialise it once", async () => {
    const token = kas.tokens.a1!;
    const clients = await kas.clients(token);
    const objects = Array.from({ length: 5000 }, (_, i) => ({ group: "", version: "v1", kind: "ConfigMap", namespace: "dude", name: `cm-${i}`, status: "Failed", message: "m".repeat(100) }));
    const report: SyncStatusReport = { project_id: "g/config", commit_id: "c", success: false, error: "e".repeat(3_000_000), objects, started_at_unix_ms: 1, finished_at_unix_ms: 2 };
    await new Promise<void>((resolve, reject) => clients.status.ReportSyncStatus(report, bearerMetadata(token), {}, (err) => (err ? reject(err) : resolve())));
    // Each build of the agents view reads the tracker's ids once.
    const list = jest.spyOn(kas.kas.tracker, "ids");
    const sizes: number[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${kas.apiUrl}/api/v1/agents`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      sizes.push((await res.arrayBuffer()).byteLength);
    }
    expect(list.mock.calls.length).toBeLessThanOrEqual(1);
    list.mockRestore();
    const api = (await (await fetch(`${kas.apiUrl}/api/v1/agents`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json()) as {
      agents: { projects: Record<string, { lastReport: { objects: unknown[]; objects_omitted: number; error: string } }> }[];
    };
    const stored = api.agents[0]!.projects["g/config"]!.lastReport;
    expect(stored.objects).toHaveLength(200);
    expect(stored.objects_omitted).toBe(4800);
    expect(Buffer.byteLength(stored.error)).toBeLessThanOrEqual(4096);
    // 3.5 MB reported; the response stays under 200 KiB.
    expect(Math.max(...sizes)).toBeLessThan(200 * 1024);
  });
});

test("kas refuses to start with an empty webhook secret file or api token file", async () => {
  const d = mkdtempSync(path.join(tmpdir(), "kas-empty-secret-"));
  try {
    writeFileSync(path.join(d, "agents.yaml"), "agents: []\n");
    writeFileSync(path.join(d, "empty"), "\n");
    const logger = createLogger({ level: "error", write: () => undefined });
    for (const extra of [{ listen: { webhook: "127.0.0.1:0" }, webhook: { secret_file: "empty" } }, { listen: { api: "127.0.0.1:0" }, api: { token_file: "empty" } }]) {
      writeFileSync(path.join(d, "kas.yaml"), stringify({ ...extra, listen: { grpc: "127.0.0.1:0", ...extra.listen }, agents: { registry: "file", file: "agents.yaml" } }));
      const start = startKas(loadKasConfig(path.join(d, "kas.yaml")), { logger });
      await expect(start).rejects.toThrow(KasConfigError);
      await expect(start).rejects.toThrow(/(webhook\.secret_file|api\.token_file): .*empty is empty; expected a secret/);
    }
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("a short api token (under 32 characters) draws a warning at start that never shows the token; a long one none", async () => {
  const d = mkdtempSync(path.join(tmpdir(), "kas-short-token-"));
  try {
    writeFileSync(path.join(d, "agents.yaml"), "agents: []\n");
    const warned: string[] = [];
    for (const token of ["short-t0ken", "x".repeat(32)]) {
      writeFileSync(path.join(d, "api-token"), token);
      writeFileSync(path.join(d, "kas.yaml"), stringify({ listen: { grpc: "127.0.0.1:0", api: "127.0.0.1:0" }, api: { token_file: "api-token" }, agents: { registry: "file", file: "agents.yaml" } }));
      const lines: string[] = [];
      const running = await startKas(loadKasConfig(path.join(d, "kas.yaml")), { logger: createLogger({ level: "warn", write: (l) => void lines.push(l) }) });
      await running.close();
      warned.push(lines.filter((l) => l.includes("short token")).join("\n"));
    }
    expect(warned[0]).toMatch(/api\.token_file holds a short token \(fewer than 32 characters\)/);
    expect(warned[0]).not.toContain("short-t0ken");
    expect(warned[1]).toBe("");
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
