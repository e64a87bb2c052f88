/**
 * Issue 13, item 6: an agent that opens object streams and never reads them.
 * Each stream used to hold its whole batch for as long as it stayed open, so
 * memory grew with every stalled stream. Now an agent's batches in memory are
 * bounded by agent_connections.max_buffered_bytes_per_agent, and a stream
 * that reads nothing for stalled_stream_timeout is ended.
 */
import * as http2 from "node:http2";
import * as grpc from "@grpc/grpc-js";
import { commitFiles, git } from "../git";
import { eventually, startKasProcess, type KasProcess } from "./kas-process";
import { stalledObjectsCall } from "./raw-grpc";

const STREAMS = 20;
/** Each branch: 4 files of 3 MiB, distinct per branch (12 MiB a batch, under GitLab's 20 MiB). */
const FILE_BYTES = 3 * 1024 * 1024;
const BUDGET_MIB = 48;
let kas: KasProcess;

beforeAll(async () => {
  kas = await startKasProcess({
    kasYaml: { agent_connections: { max_buffered_bytes_per_agent: BUDGET_MIB * 1024 * 1024, stalled_stream_timeout: "2s", max_streams_per_agent: 100 } },
  });
  const base = await git(kas.evilRepo, ["rev-parse", "HEAD"]);
  for (let b = 0; b < STREAMS; b++) {
    const files: Record<string, Buffer> = {};
    for (let f = 0; f < 4; f++) files[`big/f${f}.yaml`] = Buffer.alloc(FILE_BYTES, `# branch ${b} file ${f}\n`);
    await commitFiles(kas.evilRepo, files, { branch: `s${b}`, parent: base });
  }
}, 180_000);

afterAll(async () => {
  await kas?.stop();
});

test(`${STREAMS} stalled object streams with distinct refs hold at most the agent's budget, and are ended after the stall timeout`, async () => {
  await kas.legitimate();
  const baseline = kas.rssMiB();
  const calls = Array.from({ length: STREAMS }, (_, i) =>
    stalledObjectsCall(kas.grpc, kas.tokens.mallory as string, { project_id: "g/evil", ref: { branch: `s${i}` }, commit_id: "", paths: [{ glob: "big/*.yaml" }] }),
  );
  const ends: { status: string | undefined; message: string | undefined }[] = [];
  for (const c of calls) void c.ended.then((e) => ends.push(e));
  // While stalled: sample kas's memory for a few seconds; a friend is served meanwhile.
  let peak = 0;
  for (const until = Date.now() + 3_000; Date.now() < until; ) {
    peak = Math.max(peak, kas.rssMiB());
    await new Promise((r) => setTimeout(r, 100));
  }
  const friend = await kas.legitimate();
  peak = Math.max(peak, kas.rssMiB());
  const growth = peak - baseline;
  process.stdout.write(`stalled streams: kas RSS ${baseline.toFixed(0)} -> peak ${peak.toFixed(0)} MiB (+${growth.toFixed(0)}); friend's config ${friend.configMs} ms, objects ${friend.objectsMs} ms\n`);
  // Stalled streams are ended with the reason; each waits for the agent's budget, then stalls in turn.
  await eventually("every stalled stream ended", () => (ends.length === STREAMS ? true : undefined), 120_000, 500);
  // Reset (RST_STREAM CANCEL): a peer that reads nothing would never receive a status behind its unread data.
  expect(ends.map((e) => e.status)).toEqual(Array.from({ length: STREAMS }, () => `rst:${http2.constants.NGHTTP2_CANCEL}`));
  const reasons = kas.logs(/Cannot serve commit/);
  expect(reasons).toHaveLength(STREAMS);
  expect(reasons[0]).toMatchObject({ grpc_code: grpc.status.RESOURCE_EXHAUSTED, error: expect.stringMatching(/read nothing for 2s.*stalled_stream_timeout/) });
  for (const c of calls) c.close();
  // The bound: the agent's budget, kas's shared object cache (64 MiB), and the encoded frames in flight.
  expect(growth).toBeLessThan(BUDGET_MIB + 64 + 64);
  await kas.legitimate();
}, 240_000);
