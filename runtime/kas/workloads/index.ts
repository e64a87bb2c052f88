/**
 * The console's workloads (issue 21 item 3): pods of the Deployments and
 * StatefulSets an agent manages, with status, restarts and events, and pod
 * logs (follow), read through the agent's tunnel as the signed-in viewer may
 * (item 5: a GitLab user as a user_access request; kas's operator as the
 * agent, read-only requests only).
 */
export { workloadsRoutes, type WorkloadsHandler } from "./handler";
export { NO_USER_ACCESS_MESSAGE, type ViewerAdmission, type WorkloadsDeps } from "./access";
export type { EventRow, PodRow, Problem, WorkloadsAnswer, WorkloadView } from "./model";
export { operatorRefusal } from "./requests";
export { parseRoute, ASSET_PATH, MAX_TAIL_LINES, MAX_LOG_BYTES, type LogQuery, type WorkloadsRoute } from "./routes";
export { MAX_LOG_STREAMS_PER_VIEWER, MAX_WORKLOADS_READS_PER_VIEWER } from "./logs";
