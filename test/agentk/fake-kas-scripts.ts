/** Scripts for the fake kas (test/agentk/fake-kas.ts): the messages, and ways to send them right or wrong. */
import type { ObjectsBatch, ObjectsToSynchronizeResponse } from "../../runtime/rpc";
import type { ObjectsScript, ScriptedCall } from "./fake-kas";

/** A batch of ConfigMaps `name -> data value`, in namespace `ns`. */
export function configMapBatch(commitId: string, projectId: string, ns: string, maps: Readonly<Record<string, string>>): ObjectsBatch {
  return {
    commitId,
    projectId,
    files: Object.entries(maps).map(([name, value]) => ({
      path: `manifests/${name}.yaml`,
      data: Buffer.from(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  v: "${value}"\n`),
    })),
  };
}

/** Script building blocks: single messages, and scripts that send them. */
export const msg = {
  header: (commit: string, project: string): ObjectsToSynchronizeResponse => ({ message: "header", header: { commit_id: commit, project_id: project } }),
  object: (source: string, data: Buffer | string): ObjectsToSynchronizeResponse => ({ message: "object", object: { source, data: Buffer.from(data) } }),
  trailer: { message: "trailer", trailer: {} } as ObjectsToSynchronizeResponse,
};

/** Writes `msgs` in order, then leaves the call to `after` (default: end with OK). */
export const send =
  (msgs: readonly ObjectsToSynchronizeResponse[], after: (c: ScriptedCall) => void | Promise<void> = (c) => c.end()): ObjectsScript =>
  async (c) => {
    for (const m of msgs) if (!(await c.write(m))) return;
    await after(c);
  };

/** A well-formed batch; the call then stays open (kas waiting for the next commit). */
export const sendBatch =
  (batch: ObjectsBatch): ObjectsScript =>
  async (c) =>
    void (await c.batch(batch));

/**
 * `files` files of `bytes` each, in chunks of `chunk` bytes, after a Header for
 * `commit`; a Trailer only if all of it was written (agentk should have cut it
 * short: this is a kas that would send gigabytes if let).
 */
export const bigFiles =
  (commit: string, project: string, bytes: number, chunk: number, files = 1): ObjectsScript =>
  async (c) => {
    if (!(await c.write(msg.header(commit, project)))) return;
    for (let f = 0; f < files; f++) {
      for (let off = 0; off < bytes; off += chunk) {
        if (!(await c.write(msg.object(`manifests/big-${f}.yaml`, Buffer.alloc(Math.min(chunk, bytes - off), 0x20))))) return;
      }
    }
    if (await c.write(msg.trailer)) c.end();
  };
