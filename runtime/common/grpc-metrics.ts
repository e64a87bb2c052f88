import type { Metrics } from "./metrics";

/** Status code names as Go spells them (codes.Code.String()), so go-grpc-prometheus dashboards and alerts work unchanged. */
const CODE_NAMES: readonly string[] = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
];

export function grpcCodeName(code: number): string {
  return CODE_NAMES[code] ?? `Code(${code})`;
}

export interface GrpcCallLabels {
  readonly grpc_type: "unary" | "client_stream" | "server_stream" | "bidi_stream";
  readonly grpc_service: string;
  readonly grpc_method: string;
}

/** Labels of a call from its path ("/gitlab.agent.Gitops/GetObjectsToSynchronize") and streaming sides. */
export function grpcCallLabels(path: string, requestStream: boolean, responseStream: boolean): GrpcCallLabels {
  const slash = path.lastIndexOf("/");
  const grpc_type = requestStream ? (responseStream ? "bidi_stream" : "client_stream") : responseStream ? "server_stream" : "unary";
  return { grpc_type, grpc_service: path.slice(1, Math.max(slash, 1)), grpc_method: path.slice(slash + 1) };
}

export interface GrpcCallCounters {
  started(labels: GrpcCallLabels): void;
  handled(labels: GrpcCallLabels, code: number): void;
}

/**
 * go-grpc-prometheus's counters: grpc_server_started_total and
 * grpc_server_handled_total{grpc_code} (grpc_client_* on the client side,
 * where "handled" is named after the status the client received).
 */
export function grpcCallCounters(metrics: Metrics, side: "server" | "client"): GrpcCallCounters {
  const names = ["grpc_type", "grpc_service", "grpc_method"] as const;
  const started = metrics.counter(`grpc_${side}_started_total`, `RPCs started on the ${side}`, names);
  const handled = metrics.counter(`grpc_${side}_handled_total`, `RPCs completed on the ${side}, whatever their status`, [...names, "grpc_code"]);
  return {
    started: (labels) => started.inc({ ...labels }),
    handled: (labels, code) => handled.inc({ ...labels, grpc_code: grpcCodeName(code) }),
  };
}
