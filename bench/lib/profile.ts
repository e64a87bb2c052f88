/**
 * CPU profiles as evidence: in this process (node:inspector) or in a child
 * started with --inspect=127.0.0.1:<port> (Chrome DevTools Protocol over a
 * loopback WebSocket), over a chosen window, summarized by function and by
 * package/file so a table can say where the time went.
 */
import { Session } from "node:inspector";
import * as path from "node:path";
import WebSocket from "ws";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileEntry {
  readonly name: string;
  /** Milliseconds of samples in this function itself. */
  readonly selfMs: number;
  /** Milliseconds of samples with this function anywhere on the stack. */
  readonly totalMs: number;
}

export interface ProfileSummary {
  readonly label: string;
  readonly wallMs: number;
  /** Sampled time not idle. */
  readonly busyMs: number;
  readonly topSelf: readonly ProfileEntry[];
  readonly topTotal: readonly ProfileEntry[];
  /** Self time by package (node_modules/<pkg>) or project file, and by V8 pseudo-node (GC, program). */
  readonly byPlace: readonly ProfileEntry[];
}

const ROOT = path.resolve(__dirname, "..", "..");

function placeOf(f: CallFrame): string {
  if (!f.url) return f.functionName.startsWith("(") ? f.functionName : "(native)";
  const file = f.url.replace(/^file:\/\//, "");
  const nm = file.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = file.slice(nm + "node_modules/".length).split("/");
    return `npm:${rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (file.startsWith("node:")) return "node:internal";
  return path.relative(ROOT, file);
}

function nameOf(f: CallFrame): string {
  const fn = f.functionName || "(anonymous)";
  if (!f.url) return fn;
  return `${fn} ${placeOf(f)}:${f.lineNumber + 1}`;
}

export function summarize(label: string, profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const place = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let busy = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i] as number);
    const dt = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    if (!node) continue;
    const leaf = node.callFrame;
    if (leaf.functionName === "(idle)") continue;
    busy += dt;
    add(self, nameOf(leaf), dt);
    add(place, placeOf(leaf), dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)?.callFrame;
      if (!f || f.functionName === "(root)") continue;
      const k = nameOf(f);
      if (seen.has(k)) continue;
      seen.add(k);
      add(total, k, dt);
    }
  }
  const entries = (m: Map<string, number>, other?: Map<string, number>): ProfileEntry[] =>
    [...m.entries()]
      .map(([name, v]) => ({ name, selfMs: Math.round(other ? (other.get(name) ?? 0) : v), totalMs: Math.round(other ? v : (total.get(name) ?? v)) }))
      .sort((a, b) => (other ? b.totalMs - a.totalMs : b.selfMs - a.selfMs))
      .slice(0, top);
  return {
    label,
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(busy),
    topSelf: entries(self),
    topTotal: entries(total, self),
    byPlace: [...place.entries()].map(([name, v]) => ({ name, selfMs: Math.round(v), totalMs: Math.round(v) })).sort((a, b) => b.selfMs - a.selfMs).slice(0, top),
  };
}

export interface Profiler {
  start(): Promise<void>;
  stop(label: string): Promise<ProfileSummary>;
  close(): Promise<void>;
}

/** Profiles this process. */
export function inProcessProfiler(intervalUs = 500): Profiler {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object): Promise<T> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
  return {
    start: async () => {
      await post("Profiler.enable");
      await post("Profiler.setSamplingInterval", { interval: intervalUs });
      await post("Profiler.start");
    },
    stop: async (label) => summarize(label, (await post<{ profile: CpuProfile }>("Profiler.stop")).profile),
    close: async () => session.disconnect(),
  };
}

/** A Chrome DevTools Protocol session with a child started with --inspect=127.0.0.1:<port>. */
export interface Inspector {
  post<T>(method: string, params?: object): Promise<T>;
  close(): void;
}

export async function connectInspector(port: number): Promise<Inspector> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const url = list[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on 127.0.0.1:${port}`);
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.on("message", (data: Buffer) => {
    const msg = JSON.parse(data.toString("utf8")) as { id?: number; result?: unknown; error?: { message: string } };
    const w = msg.id === undefined ? undefined : waiting.get(msg.id);
    if (!w || msg.id === undefined) return;
    waiting.delete(msg.id);
    if (msg.error) w.reject(new Error(msg.error.message));
    else w.resolve(msg.result);
  });
  return {
    post: <T>(method: string, params: object = {}): Promise<T> =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** Profiles a child started with --inspect=127.0.0.1:<port>. */
export async function remoteProfiler(port: number, intervalUs = 500): Promise<Profiler> {
  const { post, close } = await connectInspector(port);
  return {
    start: async () => {
      await post("Profiler.enable");
      await post("Profiler.setSamplingInterval", { interval: intervalUs });
      await post("Profiler.start");
    },
    stop: async (label) => summarize(label, (await post<{ profile: CpuProfile }>("Profiler.stop")).profile),
    close: async () => close(),
  };
}

/** A few lines for a README or a log: where the busy time went. */
export function describeProfile(p: ProfileSummary, n = 8): string {
  const pct = (v: number) => `${((100 * v) / Math.max(1, p.busyMs)).toFixed(0)}%`;
  const lines = [`profile "${p.label}": ${p.busyMs} ms busy of ${p.wallMs} ms`];
  lines.push(`  by place (self): ${p.byPlace.slice(0, n).map((e) => `${e.name} ${e.selfMs} ms (${pct(e.selfMs)})`).join(", ")}`);
  lines.push(`  top self: ${p.topSelf.slice(0, n).map((e) => `${e.name} ${e.selfMs} ms`).join("; ")}`);
  lines.push(`  top total: ${p.topTotal.slice(0, n).map((e) => `${e.name} ${e.totalMs} ms`).join("; ")}`);
  return lines.join("\n");
}
