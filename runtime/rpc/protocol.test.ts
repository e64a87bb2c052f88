/** The proto and messages.ts agree, over a real gRPC server on a loopback port. */
import * as grpc from "@grpc/grpc-js";
import { bearerMetadata, createClients, serviceDefinitions, type ConfigurationHandlers, type GitopsHandlers, type StatusHandlers } from "./protocol";
import { frameBatch } from "./object-stream";
import { BatchAssembler } from "./batch-assembler";
import { MANIFEST_PROJECT_DEFAULTS, type AgentConfiguration } from "./agent-config";
import type { ClusterStatusReport, ConfigurationResponse, ObjectsToSynchronizeResponse, SyncStatusReport } from "./messages";

const config: AgentConfiguration = {
  gitops: {
    manifest_projects: [{ id: "group/m", ref: { branch: "main" }, ...MANIFEST_PROJECT_DEFAULTS, paths: [{ glob: "/manifests/**/*.yaml" }] }],
    scope: { mode: "namespaced", namespaces: ["dude"] },
    reapply_interval_seconds: 300,
  },
  observability: { logging: { level: "debug" } },
};

describe("protocol over real gRPC", () => {
  let server: grpc.Server;
  let port: number;
  const seenAuth: string[] = [];
  let report: SyncStatusReport | undefined;
  let cluster: ClusterStatusReport | undefined;

  beforeAll(async () => {
    const defs = serviceDefinitions();
    server = new grpc.Server();
    const configuration: ConfigurationHandlers = {
      GetConfiguration: (call) => {
        seenAuth.push(String(call.metadata.get("authorization")[0]));
        call.write({ commit_id: "abc", configuration: config, warnings: ["ci_access is not implemented"], agent_id: "1", agent_name: "dude" });
        call.write({ commit_id: "def", error: { message: "config.yaml: gitops.prune: expected a boolean" }, warnings: [], agent_id: "1", agent_name: "dude" });
        call.end();
      },
    };
    const gitops: GitopsHandlers = {
      GetObjectsToSynchronize: (call) => {
        for (const m of frameBatch({ commitId: "c1", projectId: call.request.project_id, files: [{ path: "a.yaml", data: Buffer.alloc(200_000, 65) }] })) call.write(m);
        call.end();
      },
    };
    const status: StatusHandlers = {
      ReportSyncStatus: (call, cb) => {
        report = call.request;
        cb(null, {});
      },
      ReportClusterStatus: (call, cb) => {
        cluster = call.request;
        cb(null, {});
      },
    };
    server.addService(defs.configuration, configuration);
    server.addService(defs.gitops, gitops);
    server.addService(defs.status, status);
    port = await new Promise<number>((res, rej) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  });
  afterAll(() => server.forceShutdown());

  test("configuration events decode to the typed shapes, oneof named by `event`", async () => {
    const clients = createClients(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const got: ConfigurationResponse[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = clients.configuration.GetConfiguration({ commit_id: "", agent_meta: { version: "t", pod_name: "p", pod_namespace: "n" } }, bearerMetadata("tok"));
      s.on("data", (d: ConfigurationResponse) => got.push(d));
      s.on("end", resolve);
      s.on("error", reject);
    });
    clients.close();
    expect(seenAuth).toEqual(["Bearer tok"]);
    expect(got[0]!.event).toBe("configuration");
    const project = config.gitops.manifest_projects[0]!;
    expect(got[0]!.configuration).toEqual({
      ...config,
      gitops: { ...config.gitops, manifest_projects: [{ ...project, ref: { branch: "main", kind: "branch" } }] },
    });
    expect(got[0]!.warnings).toEqual(["ci_access is not implemented"]);
    expect(got[1]!.event).toBe("error");
    expect(got[1]!.error?.message).toContain("gitops.prune");
  });

  test("objects arrive as Header, chunks, Trailer and reassemble", async () => {
    const clients = createClients(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const msgs: ObjectsToSynchronizeResponse[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = clients.gitops.GetObjectsToSynchronize({ project_id: "group/m", commit_id: "", paths: [], ref: { branch: "main" } }, bearerMetadata("tok"));
      s.on("data", (d: ObjectsToSynchronizeResponse) => msgs.push(d));
      s.on("end", resolve);
      s.on("error", reject);
    });
    clients.close();
    expect(msgs.map((m) => m.message)).toEqual(["header", "object", "object", "trailer"]);
    const a = new BatchAssembler();
    const batches = msgs.map((m) => a.push(m)).filter(Boolean);
    expect(batches[0]).toMatchObject({ commitId: "c1", projectId: "group/m" });
    expect(batches[0]!.files[0]!.data.length).toBe(200_000);
  });

  test("a status report round-trips", async () => {
    const clients = createClients(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const sent: SyncStatusReport = {
      project_id: "group/m",
      commit_id: "c1",
      success: false,
      error: "1 resources failed",
      objects: [{ group: "apps", version: "v1", kind: "Deployment", namespace: "naww", name: "nginx", status: "Failed", message: "forbidden" }],
      started_at_unix_ms: 1_700_000_000_000,
      finished_at_unix_ms: 1_700_000_001_000,
      in_progress: false,
    };
    await new Promise<void>((resolve, reject) =>
      clients.status.ReportSyncStatus(sent, bearerMetadata("tok"), {}, (err) => (err ? reject(err) : resolve())),
    );
    clients.close();
    expect(report).toEqual(sent);
  });

  test("a cluster status report round-trips", async () => {
    const clients = createClients(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    await new Promise<void>((resolve, reject) => clients.status.ReportClusterStatus({ reachable: false, error: "connect ECONNREFUSED" }, {}, (err) => (err ? reject(err) : resolve())));
    clients.close();
    expect(cluster).toEqual({ reachable: false, error: "connect ECONNREFUSED" });
  });
});
