/**
 * Every structured log field name in use, in one place (the GitLab agent's
 * habit): a reader sees the whole vocabulary, and a field carrying a secret
 * cannot be added without being seen here.
 */
export const F = {
  msg: "msg",
  level: "level",
  time: "time",
  component: "component",
  error: "error",
  agentId: "agent_id",
  agentName: "agent_name",
  projectId: "project_id",
  commitId: "commit_id",
  ref: "ref",
  path: "path",
  file: "file",
  grpcMethod: "grpc_method",
  grpcCode: "grpc_code",
  peer: "peer",
  transport: "transport",
  eventType: "eventType",
  group: "group",
  kind: "kind",
  name: "name",
  namespace: "namespace",
  status: "status",
  message: "message",
  durationMs: "duration_ms",
  attempt: "attempt",
  retryInMs: "retry_in_ms",
  count: "count",
  url: "url",
  key: "key",
  warnings: "warnings",
  address: "address",
  /** Lines a rate-limited log dropped since its last line. */
  suppressed: "suppressed",
  reason: "reason",
  /** This replica's leader-election identity, and the one the Lease names as holder. */
  identity: "identity",
  holder: "holder",
} as const;

export type LogFieldName = (typeof F)[keyof typeof F];
export type LogFields = Partial<Record<LogFieldName, unknown>>;
