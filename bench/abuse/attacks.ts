/**
 * The attacks of issue 13, each as a function of a running kas (the abuse
 * suite's harness), for the benchmark: the same bytes are sent to kas before
 * and after the fixes. Every attack is bounded (a fixed count, on loopback).
 */
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { bearerMetadata, createClients, type SyncStatusReport } from "../../runtime/rpc";
import type { KasProcess } from "../../test/abuse/kas-process";
import { stalledObjectsCall, type StalledCall } from "../../test/abuse/raw-grpc";
import { sessionThenDrop, upgradeAndDrop } from "../../test/abuse/raw-ws";
import { commitFiles, git, revParse, setDefaultBranch, writeLooseZeros } from "../../test/git";

const MiB = 1024 * 1024;
const MALLORY_CONFIG = ".gitlab/agents/mallory/config.yaml";

export interface Attack {
  readonly name: string;
  /** What the attacker does, for the table. */
  readonly what: string;
  /** Before the clock starts (commits the attacker's content). */
  setup?(kas: KasProcess): Promise<void>;
  /** The attack; resolves when the attacker is done sending (what it leaves behind is measured after). */
  run(kas: KasProcess): Promise<() => void>;
  /** How long to keep measuring after `run` resolved. */
  readonly afterMs: number;
}

const channel = (kas: KasProcess) => createClients(kas.grpc, grpc.credentials.createInsecure());
const mallory = (kas: KasProcess) => bearerMetadata(kas.tokens.mallory as string);

/** Commits `files` to g/evil on a new branch from main and makes it the default branch (no 256 MiB worktree checkout). */
async function publish(kas: KasProcess, branch: string, files: Parameters<typeof commitFiles>[1]): Promise<void> {
  await commitFiles(kas.evilRepo, files, { branch, parent: await revParse(kas.evilRepo, "main") });
  await setDefaultBranch(kas.evilRepo, branch);
}

/** Opens `n` GetConfiguration streams of mallory's, waits until each got a message (or 30 s), and returns their closer. */
async function configStreams(kas: KasProcess, n: number): Promise<() => void> {
  const c = channel(kas);
  const calls = Array.from({ length: n }, () => c.configuration.GetConfiguration({ commit_id: "" }, mallory(kas)));
  await Promise.all(
    calls.map(
      (call) =>
        new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 30_000);
          const done = (): void => (clearTimeout(t), resolve());
          call.once("data", done);
          call.once("error", done);
        }),
    ),
  );
  return () => {
    for (const call of calls) call.cancel();
    c.close();
  };
}

export const ATTACKS: readonly Attack[] = [
  {
    name: "ws-drop",
    what: "60 gRPC-over-WebSocket tunnels with a valid token, TCP dropped right after 101, and 40 dropped under a live HTTP/2 session; measured past one keepalive (30 s)",
    run: async (kas) => {
      const kinds = ["drop", "preface", "half-close"] as const;
      const token = kas.tokens.mallory as string;
      for (let i = 0; i < 60; i++) await upgradeAndDrop(kas.wsPort, kas.wsPath, token, kinds[i % 3]!);
      for (let i = 0; i < 40; i++) await sessionThenDrop(kas.wsPort, kas.wsPath, token, i % 2 === 1);
      return () => undefined;
    },
    afterMs: 40_000,
  },
  {
    name: "cancel-storm",
    what: "600 streams (config, and objects on 30 branches) each cancelled 0-15 ms after opening",
    setup: async (kas) => {
      const head = await git(kas.evilRepo, ["rev-parse", "HEAD"]);
      for (let i = 0; i < 30; i++) await git(kas.evilRepo, ["branch", `b${i}`, head]);
    },
    run: async (kas) => {
      const c = channel(kas);
      const pending: Promise<void>[] = [];
      for (let i = 0; i < 600; i++) {
        const call =
          i % 2 === 0
            ? c.configuration.GetConfiguration({ commit_id: "" }, mallory(kas))
            : c.gitops.GetObjectsToSynchronize({ project_id: "g/evil", ref: { branch: `b${i % 30}` }, commit_id: "", paths: [] }, mallory(kas));
        call.on("error", () => undefined);
        call.on("data", () => undefined);
        pending.push(new Promise((resolve) => setTimeout(() => (call.cancel(), resolve()), Math.floor(Math.random() * 16))));
        if (i % 30 === 29) await Promise.all(pending.splice(0));
      }
      await Promise.all(pending);
      c.close();
      return () => undefined;
    },
    afterMs: 5_000,
  },
  {
    name: "zip-bomb",
    what: "mallory's config.yaml is a 256 MiB blob of zeros (256 KiB on disk); 5 GetConfiguration streams read it",
    setup: async (kas) => {
      const oid = await writeLooseZeros(path.join(kas.evilRepo, ".git"), 256 * MiB);
      await publish(kas, "bomb", { [MALLORY_CONFIG]: { blob: oid } });
    },
    run: (kas) => configStreams(kas, 5),
    afterMs: 3_000,
  },
  {
    name: "config-flood",
    what: "mallory's config.yaml: 128 KiB of 16,000 unknown keys; 5 GetConfiguration streams",
    setup: (kas) => publish(kas, "keys", { [MALLORY_CONFIG]: Array.from({ length: 16_000 }, (_, i) => `k${i.toString(36)}: 1`).join("\n") + "\n" }),
    run: (kas) => configStreams(kas, 5),
    afterMs: 3_000,
  },
  {
    name: "stalled-streams",
    what: "20 object streams on distinct branches (12 MiB each) that never read a byte",
    setup: async (kas) => {
      const base = await git(kas.evilRepo, ["rev-parse", "HEAD"]);
      for (let b = 0; b < 20; b++) {
        const files: Record<string, Buffer> = {};
        for (let f = 0; f < 4; f++) files[`big/f${f}.yaml`] = Buffer.alloc(3 * MiB, `# branch ${b} file ${f}\n`);
        await commitFiles(kas.evilRepo, files, { branch: `s${b}`, parent: base });
      }
    },
    run: async (kas) => {
      const calls: StalledCall[] = Array.from({ length: 20 }, (_, i) =>
        stalledObjectsCall(kas.grpc, kas.tokens.mallory as string, { project_id: "g/evil", ref: { branch: `s${i}` }, commit_id: "", paths: [{ glob: "big/*.yaml" }] }),
      );
      return () => calls.forEach((c) => c.close());
    },
    afterMs: 10_000,
  },
  {
    name: "api-flood",
    what: "mallory reports 5,000 objects with 1 MiB names and a 3 MiB error; then 200 unauthenticated GET /api/v1/agents, 20 at a time",
    run: async (kas) => {
      const c = channel(kas);
      const objects = Array.from({ length: 5000 }, (_, i) => ({
        group: "",
        version: "v1",
        kind: "ConfigMap",
        namespace: "evil",
        name: i < 2 ? "n".repeat(MiB) : `cm-${i}`,
        status: "Failed",
        message: i < 2 ? "m".repeat(MiB) : "forbidden",
      }));
      const report: SyncStatusReport = { project_id: "g/evil", commit_id: "c".repeat(100_000), success: false, error: "e".repeat(3 * MiB), objects, started_at_unix_ms: 1, finished_at_unix_ms: 2 };
      await new Promise<void>((resolve, reject) => c.status.ReportSyncStatus(report, mallory(kas), {}, (err) => (err ? reject(err) : resolve())));
      c.close();
      for (let round = 0; round < 10; round++) {
        await Promise.all(Array.from({ length: 20 }, async () => (await fetch(`${kas.apiUrl}/api/v1/agents`)).arrayBuffer()));
      }
      return () => undefined;
    },
    afterMs: 2_000,
  },
  {
    name: "auth-failures",
    what: "300 GetConfiguration calls with an unknown token",
    run: async (kas) => {
      const c = channel(kas);
      const bad = bearerMetadata("glagent-not-a-real-token-aaaaaaaaaaaaaaaaaaaaa");
      for (let i = 0; i < 300; i++) {
        await new Promise<void>((resolve) => {
          const call = c.configuration.GetConfiguration({ commit_id: "" }, bad);
          call.on("error", () => resolve());
          call.on("data", () => undefined);
        });
      }
      c.close();
      return () => undefined;
    },
    afterMs: 1_000,
  },
];
