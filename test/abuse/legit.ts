/**
 * The friend's check after every attack: agent a1, on a fresh connection,
 * gets its configuration and then the objects of its manifest project.
 */
import type * as grpc from "@grpc/grpc-js";
import { connectTarget } from "../../runtime/agentk/connection";
import { BatchAssembler, bearerMetadata, createClients, type ConfigurationResponse, type ObjectsBatch, type ObjectsToSynchronizeResponse } from "../../runtime/rpc";

export interface LegitimateSync {
  /** Milliseconds from opening the configuration stream to its first message. */
  readonly configMs: number;
  /** Milliseconds from opening the objects stream to its first complete batch. */
  readonly objectsMs: number;
  readonly batch: ObjectsBatch;
}

export async function legitimateSync(address: string, token: string, timeoutMs = 15_000): Promise<LegitimateSync> {
  const target = await connectTarget(address, { token });
  const clients = createClients(target.target, target.credentials);
  try {
    const t0 = Date.now();
    const config = await first<ConfigurationResponse>(
      clients.configuration.GetConfiguration({ commit_id: "" }, bearerMetadata(token), { deadline: Date.now() + timeoutMs }),
      (m) => m,
    );
    const configMs = Date.now() - t0;
    const project = config.configuration?.gitops.manifest_projects[0];
    if (!project) throw new Error(`configuration without a manifest project: ${JSON.stringify(config)}`);
    const t1 = Date.now();
    const assembler = new BatchAssembler();
    const batch = await first<ObjectsToSynchronizeResponse, ObjectsBatch>(
      clients.gitops.GetObjectsToSynchronize(
        { project_id: project.id, ref: project.ref, commit_id: "", paths: project.paths },
        bearerMetadata(token),
        { deadline: Date.now() + timeoutMs },
      ),
      (m) => assembler.push(m),
    );
    return { configMs, objectsMs: Date.now() - t1, batch };
  } finally {
    clients.close();
    await target.close();
  }
}

/** The first value `pick` returns from the stream's messages; the stream is then cancelled. */
function first<M, R = M>(call: grpc.ClientReadableStream<M>, pick: (m: M) => R | undefined): Promise<R> {
  return new Promise((resolve, reject) => {
    let done = false;
    call.on("data", (m: M) => {
      if (done) return;
      let r: R | undefined;
      try {
        r = pick(m);
      } catch (err) {
        done = true;
        call.cancel();
        return reject(err as Error);
      }
      if (r === undefined) return;
      done = true;
      call.cancel();
      resolve(r);
    });
    call.on("error", (err) => {
      if (!done) reject(err);
      done = true;
    });
    call.on("end", () => {
      if (!done) reject(new Error("stream ended before the expected message"));
      done = true;
    });
  });
}
