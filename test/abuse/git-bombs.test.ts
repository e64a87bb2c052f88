/**
 * Issue 13, items 3 and 4, against kas as its own process: the attacker
 * (agent mallory, who controls project g/evil) commits
 *  (a) "zip bombs": 256 MiB blobs of zeros, a few hundred KB on disk, as its
 *      config.yaml (loose object) and as a manifest (packed), and
 *  (b) a 128 KiB config.yaml of 16,000 unknown keys.
 * kas must refuse each with a clear error, keep its memory bounded, and go on
 * serving the legitimate agent a1.
 *
 * The bombs are committed on a branch of their own that then becomes g/evil's
 * default (HEAD): commitFiles on the checked-out branch would check 256 MiB
 * files out into the worktree.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { connectTarget } from "../../runtime/agentk/connection";
import { bearerMetadata, createClients, LIMITS, type ConfigurationResponse, type ObjectsToSynchronizeResponse } from "../../runtime/rpc";
import { commitFiles, revParse, setDefaultBranch, writeLooseZeros, writePackedZeros } from "../git";
import { record, type Recorded } from "../kas";
import { eventually, startKasProcess, type KasProcess } from "./kas-process";

const MiB = 1024 * 1024;
const BOMB = 256 * MiB;
const CONFIG = ".gitlab/agents/mallory/config.yaml";
/**
 * kas's resident memory may grow by this much while attacked, at its peak
 * (VmHWM). Inflating one bomb alone would take 256 MiB.
 */
const RSS_BOUND_MIB = 64;

let kas: KasProcess;
let clients: ReturnType<typeof createClients>;
let closeTarget: () => Promise<void>;

beforeAll(async () => {
  kas = await startKasProcess();
  const target = await connectTarget(`grpc://${kas.grpc}`, { token: kas.tokens.mallory as string });
  clients = createClients(target.target, target.credentials);
  closeTarget = target.close;
}, 120_000);
afterAll(async () => {
  clients?.close();
  await closeTarget?.();
  await kas?.stop();
});

/** kas's resident and peak resident memory (VmRSS, VmHWM), MiB. */
function memory(): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${kas.pid}/status`, "utf8");
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

/** Commits `files` to g/evil on a new `branch` (from main) and makes it the default branch. */
async function publish(branch: string, files: Parameters<typeof commitFiles>[1]): Promise<string> {
  const commit = await commitFiles(kas.evilRepo, files, { branch, parent: await revParse(kas.evilRepo, "main") });
  await setDefaultBranch(kas.evilRepo, branch);
  return commit;
}

const mallory = (): grpc.Metadata => bearerMetadata(kas.tokens.mallory as string);

/** A GetConfiguration stream of mallory's, recorded. */
const configStream = (): Recorded<ConfigurationResponse> => record(clients.configuration.GetConfiguration({ commit_id: "" }, mallory()));

/** The first error event of `stream` about `commit` (earlier events are for the commit before it). */
async function configError(stream: Recorded<ConfigurationResponse>, commit: string, timeoutMs = 20_000): Promise<string> {
  return eventually(
    `an error event for ${commit}`,
    () => stream.items.find((m) => m.commit_id === commit && m.event === "error")?.error?.message,
    timeoutMs,
  );
}

test("zip bombs as config.yaml and as a manifest are refused from their size, kas's memory stays bounded, a1 is served", async () => {
  await kas.legitimate();
  const gitdir = path.join(kas.evilRepo, ".git");
  const configBomb = await writeLooseZeros(gitdir, BOMB);
  const manifestBomb = await writePackedZeros(gitdir, BOMB + 1);
  const before = memory();
  const commit = await publish("bomb", { [CONFIG]: { blob: configBomb }, "bomb/huge.yaml": { blob: manifestBomb.oid } });

  // Every GetConfiguration reads the file again (an error is not kept): five of them.
  const streams = Array.from({ length: 5 }, configStream);
  for (const stream of streams) {
    expect(await configError(stream, commit)).toBe(
      `project "g/evil": file "${CONFIG}" is ${BOMB} bytes, over the limit of ${LIMITS.configFileBytes} bytes`,
    );
    stream.cancel();
  }

  const objects = record<ObjectsToSynchronizeResponse>(
    clients.gitops.GetObjectsToSynchronize({ project_id: "g/evil", ref: {}, commit_id: "", paths: [{ glob: "bomb/*.yaml" }] }, mallory()),
  );
  const failed = await objects.failed(20_000);
  expect(failed.code).toBe(grpc.status.FAILED_PRECONDITION);
  expect(failed.details).toBe(`project "g/evil": file "bomb/huge.yaml" is ${BOMB + 1} bytes, over the limit of ${LIMITS.fileBytes} bytes`);

  const after = memory();
  console.log(`kas memory, MiB: before ${before.rss.toFixed(0)} (peak ${before.peak.toFixed(0)}), after ${after.rss.toFixed(0)} (peak ${after.peak.toFixed(0)})`);
  expect(after.peak).toBeLessThanOrEqual(Math.max(before.peak, before.rss + RSS_BOUND_MIB));
  expect(kas.alive()).toBe(true);
  const legit = await kas.legitimate();
  expect(legit.batch.files.map((f) => f.path)).toEqual(["manifests/cm.yaml"]);
}, 120_000);

test("a 128 KiB config.yaml of 16,000 unknown keys: the error event is capped, and a1 is served meanwhile", async () => {
  const keys = 16_000;
  const yaml = Array.from({ length: keys }, (_, i) => `k${i.toString(36)}: 1`).join("\n") + "\n";
  expect(yaml.length).toBeLessThanOrEqual(LIMITS.configFileBytes);
  const stream = configStream();
  const commit = await publish("keys", { [CONFIG]: yaml });

  // a1 syncs, on fresh connections, until mallory's error has arrived (and at least once after the commit).
  let error: string | undefined;
  const arrived = configError(stream, commit).then((e) => (error = e));
  const served: number[] = [];
  do served.push((await kas.legitimate()).configMs);
  while (error === undefined);
  await arrived;
  stream.cancel();

  const lines = (error as string).split("\n");
  expect(lines).toHaveLength(51);
  expect(lines[0]).toBe(`g/evil:${CONFIG}:1: k0: found unknown key "k0"; expected one of: gitops, observability, ci_access, user_access`);
  expect(lines[50]).toBe(`... and ${keys - 50} more errors`);
  expect((error as string).length).toBeLessThanOrEqual(16 * 1024 + 64);
  console.log(`a1's GetConfiguration while mallory's config was checked, ms: ${served.join(", ")}`);
  expect(kas.alive()).toBe(true);
  await kas.legitimate();
}, 120_000);
