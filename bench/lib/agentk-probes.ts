/** What a benchmark reads about a running agentk and the apiserver it talks to. */
import { apiRequest, type ApiCredentials } from "../../test/cluster";
import { sleep } from "./stats";

export interface HeapNumbers {
  readonly usedBytes: number;
  readonly totalBytes: number;
  readonly externalBytes: number;
}

/** The V8 heap as agentk's /metrics reports it (prom-client's default metrics). */
export async function heapOf(port: number): Promise<HeapNumbers> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, "m").exec(text)?.[1] ?? NaN);
  return { usedBytes: value("nodejs_heap_size_used_bytes"), totalBytes: value("nodejs_heap_size_total_bytes"), externalBytes: value("nodejs_external_memory_bytes") };
}

/** Open WATCH requests on configmaps the apiserver serves (apiserver_longrunning_requests). */
export async function configMapWatches(admin: ApiCredentials): Promise<number> {
  const res = await apiRequest(admin, "GET", "/metrics", undefined, 30_000);
  let n = 0;
  for (const line of res.body.split("\n")) {
    if (line.startsWith("apiserver_longrunning_requests{") && line.includes('resource="configmaps"') && line.includes('verb="WATCH"')) n += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return n;
}

/** Milliseconds from `since` until the ConfigMap's data.version is back to "1". */
export async function untilReverted(admin: ApiCredentials, objectPath: string, since: number): Promise<number> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const res = await apiRequest(admin, "GET", objectPath, undefined, 10_000);
    const cm = JSON.parse(res.body) as { data?: { version?: string } };
    if (cm.data?.version === "1") return Date.now() - since;
    await sleep(50);
  }
  throw new Error(`${objectPath}: not reverted within 120 s`);
}
