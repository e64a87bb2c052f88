import { F, type Logger } from "../common";

/** Error codes a dying peer connection raises (reset, write after close, HTTP/2 protocol trouble). */
const PEER_CODES = /^(ECONNRESET|EPIPE|ECONNABORTED|ETIMEDOUT|ERR_STREAM_(DESTROYED|WRITE_AFTER_END|PREMATURE_CLOSE)|ERR_HTTP2_\w+)$/;

/** Whether an error that escaped to the process came from one peer's connection rather than from kas itself. */
export function isPeerFault(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code ?? "";
  if (PEER_CODES.test(code)) return true;
  // Node's wrapper for non-socket streams (our WebSocket tunnels) asserts on a write to a dead stream.
  return code === "ERR_INTERNAL_ASSERTION" && /js_stream_socket/.test(err.stack ?? "");
}

export interface ProcessLike {
  on(event: "uncaughtException" | "unhandledRejection", listener: (err: unknown) => void): unknown;
  off(event: "uncaughtException" | "unhandledRejection", listener: (err: unknown) => void): unknown;
  exit(code: number): void;
}

/**
 * The last resort: kas must never exit because of a peer. An error that
 * escapes from a connection (the causes we know are fixed where they arise;
 * this is for the ones we do not know yet) is logged, dead connections are
 * dropped, and kas keeps serving everyone else. Anything else is a bug in kas
 * itself: log it and exit, so the process is restarted rather than left in an
 * unknown state. Returns a function that removes the guard.
 */
export function guardProcess(logger: Logger, dropDeadConnections: () => void, proc: ProcessLike = process): () => void {
  const onError = (err: unknown): void => {
    if (isPeerFault(err)) {
      logger.error("A connection failed in a way kas did not handle; dropping dead connections and carrying on", {
        [F.error]: err,
        [F.reason]: (err as Error).stack?.split("\n").slice(0, 6).join(" | "),
      });
      dropDeadConnections();
      return;
    }
    logger.error("kas failed; exiting", { [F.error]: err, [F.reason]: err instanceof Error ? err.stack : undefined });
    proc.exit(70);
  };
  proc.on("uncaughtException", onError);
  proc.on("unhandledRejection", onError);
  return () => {
    proc.off("uncaughtException", onError);
    proc.off("unhandledRejection", onError);
  };
}
