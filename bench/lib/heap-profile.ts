/**
 * Where a child's memory goes: V8's sampling heap profiler over a window,
 * counting every sampled allocation (also those a GC collected since), so a
 * peak made of garbage shows which functions made it.
 */
import { connectInspector } from "./profile";

interface SamplingNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly SamplingNode[];
}

export interface AllocationEntry {
  readonly name: string;
  /** Bytes allocated with this function on the stack (self + callees). */
  readonly totalMiB: number;
  readonly selfMiB: number;
}

export interface AllocationSampler {
  start(): Promise<void>;
  /** Top allocating functions since start(), by total bytes. */
  stop(top?: number): Promise<AllocationEntry[]>;
  close(): void;
}

export async function remoteAllocationSampler(port: number): Promise<AllocationSampler> {
  const inspector = await connectInspector(port);
  return {
    start: async () => {
      await inspector.post("HeapProfiler.enable");
      await inspector.post("HeapProfiler.startSampling", { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    },
    stop: async (top = 25) => {
      const { profile } = await inspector.post<{ profile: { head: SamplingNode } }>("HeapProfiler.stopSampling");
      const self = new Map<string, number>();
      const total = new Map<string, number>();
      const walk = (node: SamplingNode, stack: readonly string[]): number => {
        const f = node.callFrame;
        const name = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(runtime|node_modules)\//, "$1/")}:${f.lineNumber + 1}`;
        let sum = node.selfSize;
        self.set(name, (self.get(name) ?? 0) + node.selfSize);
        const inner = stack.includes(name) ? stack : [...stack, name];
        for (const c of node.children) sum += walk(c, inner);
        if (!stack.includes(name)) total.set(name, (total.get(name) ?? 0) + sum);
        return sum;
      };
      walk(profile.head, []);
      const toMiB = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
      return [...total.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([name, bytes]) => ({ name, totalMiB: toMiB(bytes), selfMiB: toMiB(self.get(name) ?? 0) }));
    },
    close: () => inspector.close(),
  };
}
