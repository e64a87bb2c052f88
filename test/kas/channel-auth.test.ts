/**
 * The agent token rides on the channel (issue 15): agentk binds it once
 * (bindAgentToken) and no call passes metadata of its own; kas checks it in
 * one wrapper that every RPC goes through. Real kas, real gRPC, over each
 * transport: grpcs (call credentials), grpc and the WebSocket tunnel (a
 * client interceptor, since grpc-js refuses call credentials on a plain channel).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { connectTarget } from "../../runtime/agentk/connection";
import { createClients, type Clients, type ConfigurationResponse, type ObjectsToSynchronizeResponse, type SyncStatusReport } from "../../runtime/rpc";
import { bindAgentToken, type TokenSource } from "../../runtime/rpc/client";
import { makeRepo, removeDir, tempDir } from "../git";
import { makeTestPki } from "../tls";
import { newToken, record, startTestKas, type TestKas } from "./index";

const PROJECT = "group/agent-config";
const meta = { version: "test", pod_namespace: "gitlab-k8s-agent", pod_name: "agentk-0" };
const report: SyncStatusReport = { project_id: PROJECT, commit_id: "c", success: true, started_at_unix_ms: 1, finished_at_unix_ms: 2, error: "", objects: [] };
let dir: string;
let kas: TestKas;
let caCert: Buffer;
let revokedToken: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await tempDir();
  const repo = path.join(dir, "agent-config");
  await makeRepo(repo, { ".gitlab/agents/dude-agent/config.yaml": "gitops:\n  manifest_projects:\n  - id: group/agent-config\n", "manifests/a.yaml": "kind: ConfigMap\n" });
  const pki = makeTestPki(dir);
  caCert = readFileSync(pki.caFile);
  revokedToken = newToken();
  kas = await startTestKas({
    agents: [{ name: "dude-agent", id: "7", configProject: PROJECT, revoked: [revokedToken] }],
    projects: [{ id: PROJECT, url: repo }],
    tls: pki,
  });
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  await kas?.stop();
  await removeDir(dir);
});

const addressOf = (transport: "grpc" | "grpcs" | "ws"): string =>
  transport === "grpc" ? `grpc://${kas.grpcAddress}` : transport === "grpcs" ? `grpcs://${kas.grpcsAddress!}` : kas.wsUrl;

/** Clients as agentk makes them: the token bound on the channel, never passed to a call. */
async function agentClients(transport: "grpc" | "grpcs" | "ws", token: TokenSource): Promise<Clients> {
  const target = await connectTarget(addressOf(transport), { token: token(), caCert });
  const channel = bindAgentToken(target.credentials, token);
  const clients = createClients(target.target, channel.credentials, channel.options);
  closers.push(async () => (clients.close(), await target.close()));
  return clients;
}

const reportStatus = (clients: Clients): Promise<grpc.ServiceError | undefined> =>
  new Promise((resolve) => clients.status.ReportSyncStatus(report, { deadline: Date.now() + 10_000 }, (err) => resolve(err ?? undefined)));

describe.each(["grpc", "grpcs", "ws"] as const)("over %s, a channel with the token bound", (transport) => {
  test("authenticates every RPC though no call passes metadata", async () => {
    const clients = await agentClients(transport, () => kas.tokens["dude-agent"]!);
    const config = record<ConfigurationResponse>(clients.configuration.GetConfiguration({ commit_id: "", agent_meta: meta }));
    const objects = record<ObjectsToSynchronizeResponse>(clients.gitops.GetObjectsToSynchronize({ project_id: PROJECT, ref: { branch: "" }, commit_id: "", paths: [] }));
    const [first] = await config.atLeast(1);
    const [header] = await objects.atLeast(1);
    config.cancel();
    objects.cancel();
    expect(first).toMatchObject({ event: "configuration", agent_id: "7", agent_name: "dude-agent" });
    expect(header!.message).toBe("header");
    expect(await reportStatus(clients)).toBeUndefined();
  });
});

test("the token is read at each call, so a rotated token is used from the next call on", async () => {
  let token = revokedToken;
  const clients = await agentClients("grpcs", () => token);
  const refused = await record(clients.configuration.GetConfiguration({ commit_id: "", agent_meta: meta })).failed();
  expect(refused.code).toBe(grpc.status.UNAUTHENTICATED);
  token = kas.tokens["dude-agent"]!;
  const s = record<ConfigurationResponse>(clients.configuration.GetConfiguration({ commit_id: "", agent_meta: meta }));
  const [first] = await s.atLeast(1);
  s.cancel();
  expect(first!.agent_id).toBe("7");
});

test("metadata a call passes itself wins over the bound token (tests send wrong tokens that way)", async () => {
  const clients = await agentClients("grpc", () => kas.tokens["dude-agent"]!);
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${revokedToken}`);
  const refused = await record(clients.configuration.GetConfiguration({ commit_id: "", agent_meta: meta }, md)).failed();
  expect(refused.code).toBe(grpc.status.UNAUTHENTICATED);
  expect(refused.details).toContain("unknown or revoked agent token");
});

async function authFailures(method: string): Promise<number> {
  const text = await (await fetch(`${kas.httpUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("kas_auth_failures_total{") && l.includes(`where="${method}"`) && l.includes('reason="missing_token"'));
  return line ? Number(line.split(" ").pop()) : 0;
}

test("every RPC without a token is refused UNAUTHENTICATED by the one server-side check, and audited once", async () => {
  const clients = createClients(kas.grpcAddress, grpc.credentials.createInsecure());
  closers.push(async () => clients.close());
  const before = {
    GetConfiguration: await authFailures("GetConfiguration"),
    GetObjectsToSynchronize: await authFailures("GetObjectsToSynchronize"),
    ReportSyncStatus: await authFailures("ReportSyncStatus"),
  };
  const errors = {
    GetConfiguration: await record(clients.configuration.GetConfiguration({ commit_id: "", agent_meta: meta })).failed(),
    GetObjectsToSynchronize: await record(clients.gitops.GetObjectsToSynchronize({ project_id: PROJECT, ref: { branch: "" }, commit_id: "", paths: [] })).failed(),
    ReportSyncStatus: (await reportStatus(clients))!,
  };
  for (const [method, err] of Object.entries(errors)) {
    expect([method, err.code, err.details]).toEqual([method, grpc.status.UNAUTHENTICATED, "missing agent token: send metadata `authorization: Bearer <agent token>`"]);
    expect((await authFailures(method)) - before[method as keyof typeof before]).toBe(1);
  }
});
