/**
 * Progress reports (SyncStatusReport.in_progress, issue 18) through real kas
 * over real gRPC: kept per commit for commit_status, but no finished sync for
 * the agents API or the sync metrics; a report without the field (an agent
 * from before it) is final.
 */
import * as path from "node:path";
import { bearerMetadata, type Clients, type SyncStatusReport } from "../../runtime/rpc";
import { makeRepo, removeDir, tempDir } from "../git";
import { startTestKas, type TestKas } from "./index";

const PROJECT = "g/config";
let dir: string;
let kas: TestKas;
let clients: Clients;

beforeAll(async () => {
  dir = await tempDir();
  await makeRepo(path.join(dir, "config"), { ".gitlab/agents/a1/config.yaml": "gitops: {}\n" });
  kas = await startTestKas({ agents: [{ name: "a1", id: "1", configProject: PROJECT }], projects: [{ id: PROJECT, url: path.join(dir, "config") }] });
  clients = await kas.clients(kas.tokens.a1!);
});
afterAll(async () => {
  clients?.close();
  await kas?.stop();
  await removeDir(dir);
});

const send = (report: SyncStatusReport): Promise<void> =>
  new Promise((resolve, reject) => clients.status.ReportSyncStatus(report, bearerMetadata(kas.tokens.a1!), {}, (err) => (err ? reject(err) : resolve())));
const reportsTotal = async (): Promise<number> => {
  const text = await (await fetch(`${kas.httpUrl}/metrics`)).text();
  return [...text.matchAll(/^kas_sync_reports_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
};
const object = { group: "", version: "v1", kind: "ConfigMap", namespace: "dude", name: "a", status: "Applied", message: "" };

test("a progress report is stored for its commit only; the final one (without in_progress, as old agents send it) is a finished sync", async () => {
  const base = { project_id: PROJECT, commit_id: "c1", success: false, error: "", started_at_unix_ms: 10, finished_at_unix_ms: 0 };
  await send({ ...base, objects: [object], in_progress: true });
  expect(kas.kas.results.history("1", PROJECT)).toMatchObject([{ commit: "c1", state: "in_progress", counts: { objects: 1, applied: 1, pending: 1 } }]);
  expect(kas.kas.tracker.get("1")?.projects[PROJECT]?.lastReport).toBeUndefined();
  expect(await reportsTotal()).toBe(0);

  await send({ ...base, success: true, objects: [{ ...object, status: "Current" }], finished_at_unix_ms: 20 });
  expect(kas.kas.results.history("1", PROJECT)).toMatchObject([{ commit: "c1", state: "succeeded", counts: { current: 1 } }]);
  expect(kas.kas.tracker.get("1")?.projects[PROJECT]?.lastReport).toMatchObject({ commit_id: "c1", success: true });
  expect(await reportsTotal()).toBe(1);
});
