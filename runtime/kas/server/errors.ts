import * as grpc from "@grpc/grpc-js";

/**
 * Errors that become a gRPC status. Every internal failure is turned into a
 * status here, at the boundary, and nowhere else (the GitLab agent's habit).
 */
export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
    /** A short machine word for metrics labels (e.g. "unknown_token"). */
    readonly reason?: string,
  ) {
    super(message);
  }
}

export const unauthenticated = (msg: string, reason?: string) => new RpcError(grpc.status.UNAUTHENTICATED, msg, reason);
export const permissionDenied = (msg: string) => new RpcError(grpc.status.PERMISSION_DENIED, msg);
export const invalidArgument = (msg: string) => new RpcError(grpc.status.INVALID_ARGUMENT, msg);
export const notFound = (msg: string) => new RpcError(grpc.status.NOT_FOUND, msg);
export const failedPrecondition = (msg: string) => new RpcError(grpc.status.FAILED_PRECONDITION, msg);
export const unavailable = (msg: string) => new RpcError(grpc.status.UNAVAILABLE, msg);
export const resourceExhausted = (msg: string) => new RpcError(grpc.status.RESOURCE_EXHAUSTED, msg);

/** Error class names (from the git and registry layers) and the status each means. */
const BY_NAME: Record<string, grpc.status> = {
  RefNotFoundError: grpc.status.NOT_FOUND,
  ProjectNotFoundError: grpc.status.NOT_FOUND,
  SourceUnavailableError: grpc.status.UNAVAILABLE,
  WatcherClosedError: grpc.status.UNAVAILABLE,
  RegistryUnavailableError: grpc.status.UNAVAILABLE,
  GlobError: grpc.status.INVALID_ARGUMENT,
  InvalidGlobError: grpc.status.INVALID_ARGUMENT,
  LimitExceededError: grpc.status.FAILED_PRECONDITION,
  SymlinkError: grpc.status.FAILED_PRECONDITION,
  InvalidRefError: grpc.status.INVALID_ARGUMENT,
};

export function toStatus(err: unknown): { code: grpc.status; details: string } {
  if (err instanceof RpcError) return { code: err.code, details: err.message };
  if (err instanceof Error) {
    const code = BY_NAME[err.name] ?? BY_NAME[err.constructor.name] ?? grpc.status.INTERNAL;
    return { code, details: err.message };
  }
  return { code: grpc.status.INTERNAL, details: String(err) };
}

export function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  const { code, details } = toStatus(err);
  return { code, details, metadata: new grpc.Metadata() };
}

/** Ends a server stream with the status `err` maps to (grpc-js sends the status on the stream's 'error' event). */
export function failStream(call: { emit(event: "error", err: unknown): boolean; cancelled: boolean }, err: unknown): void {
  if (!call.cancelled) call.emit("error", toServiceError(err));
}

export interface StreamLife {
  /** The stream has ended (cancelled by the peer, closed, failed). */
  readonly ended: boolean;
  /** Runs `fn` once the stream ends; at once if it already has. Returns a function that takes `fn` back. */
  onEnd(fn: () => void): () => void;
  /** Whether the stream carries a client's request that lives as long as the client wants (a tunnel in use). */
  readonly held: boolean;
  /** Exempts the stream from max_connection_age from now on: it ends with its request. */
  hold(): void;
}

/**
 * Follows a server stream's end from the moment it arrives. Call it before
 * the first await: a peer that cancels while kas authenticates (or resolves
 * a ref) fires "cancelled" then, and clean-up registered later would never
 * run (issue 13, item 2: ~13 % of such streams stayed open forever, each
 * with a Git poller).
 */
export function streamLife(call: { cancelled: boolean; on(event: "cancelled" | "close" | "error" | "finish", fn: () => void): unknown }): StreamLife {
  let ended = call.cancelled;
  let held = false;
  const fns = new Set<() => void>();
  const end = (): void => {
    ended = true;
    const all = [...fns];
    fns.clear();
    for (const fn of all) fn();
  };
  call.on("cancelled", end);
  call.on("close", end);
  call.on("error", end);
  call.on("finish", end);
  return {
    get ended() {
      return ended;
    },
    get held() {
      return held;
    },
    hold: () => void (held = true),
    onEnd: (fn) => {
      if (ended) {
        fn();
        return () => undefined;
      }
      // A wrapper per registration, so registering one function twice needs two take-backs.
      const once = (): void => fn();
      fns.add(once);
      return () => void fns.delete(once);
    },
  };
}
