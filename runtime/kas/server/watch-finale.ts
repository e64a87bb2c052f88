/**
 * A JSON watch whose tunnel breaks ends with an ERROR event carrying a
 * Status, as the apiserver does when a watch fails: kubectl get -w prints it,
 * informers back off and watch again, instead of a stream that just stops.
 * Watch events are newline-terminated JSON.
 */
import type { TunnelHeader } from "../../rpc";
import { brokeBecause, type Finale } from "./stream-finale";

/** Whether `path` asks for a watch and the response is JSON (protobuf watches are framed otherwise). */
export function isJsonWatch(path: string, responseHeaders: readonly TunnelHeader[]): boolean {
  const query = new URLSearchParams(path.split("?")[1] ?? "");
  const watch = query.get("watch");
  if (watch !== "true" && watch !== "1") return false;
  const type = responseHeaders.find((h) => h.name === "content-type")?.values[0] ?? "";
  return type.split(";")[0]?.trim() === "application/json";
}

/** 503: clients treat it as passing. */
export function watchFinale(): Finale {
  let betweenEvents = true;
  return {
    track: (chunk) => {
      if (chunk.length > 0) betweenEvents = chunk[chunk.length - 1] === 0x0a;
    },
    atBoundary: () => betweenEvents,
    bytes: (err) => {
      const status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: brokeBecause("watch", err), reason: "ServiceUnavailable", code: 503 };
      return Buffer.from(`${JSON.stringify({ type: "ERROR", object: status })}\n`);
    },
  };
}
