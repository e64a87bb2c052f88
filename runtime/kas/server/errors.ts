import * as grpc from "@grpc/grpc-js";

/**
 * Errors that become a gRPC status. Every internal failure is turned into a
 * status here, at the boundary, and nowhere else (the GitLab agent's habit).
 */
export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

export const unauthenticated = (msg: string) => new RpcError(grpc.status.UNAUTHENTICATED, msg);
export const permissionDenied = (msg: string) => new RpcError(grpc.status.PERMISSION_DENIED, msg);
export const invalidArgument = (msg: string) => new RpcError(grpc.status.INVALID_ARGUMENT, msg);
export const notFound = (msg: string) => new RpcError(grpc.status.NOT_FOUND, msg);
export const failedPrecondition = (msg: string) => new RpcError(grpc.status.FAILED_PRECONDITION, msg);
export const unavailable = (msg: string) => new RpcError(grpc.status.UNAVAILABLE, msg);

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

/** Runs `fn` once when a server stream ends for any reason (cancelled, closed, failed). */
export function onCallEnd(call: { on(event: "cancelled" | "close" | "error", fn: () => void): unknown }, fn: () => void): void {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    fn();
  };
  call.on("cancelled", once);
  call.on("close", once);
  call.on("error", once);
}
