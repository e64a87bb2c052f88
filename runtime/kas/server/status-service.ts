import type * as grpc from "@grpc/grpc-js";
import { F } from "../../common";
import type { ClusterStatusReport, StatusHandlers, SyncStatusAck, SyncStatusReport } from "../../rpc";
import { canRead, denyMessage } from "./access";
import { agentUnary } from "./agent-handlers";
import type { ServerContext } from "./context";
import { permissionDenied } from "./errors";

/**
 * ReportSyncStatus: agentk's per-project sync result, kept for /api/v1/agents
 * (final reports) and per commit for commit_status (progress reports too).
 * ReportClusterStatus: whether agentk reaches its apiserver (the console's
 * "cluster unreachable").
 */
export function statusHandlers(ctx: ServerContext): StatusHandlers {
  const reports = ctx.metrics.counter("kas_sync_reports_total", "Sync status reports received from agents, by agent name and success", ["agent", "success"]);
  const lastSuccess = ctx.metrics.gauge(
    "kas_last_successful_sync_timestamp_seconds",
    "When an agent last reported a successful sync of a project (seconds since the epoch), for staleness alerts",
    ["agent", "project"],
  );
  return {
    ReportSyncStatus: agentUnary(ctx, "ReportSyncStatus", async (call: grpc.ServerUnaryCall<SyncStatusReport, SyncStatusAck>, agent) => {
      const report = call.request;
      if (!canRead(agent, report.project_id, ctx.projects())) throw permissionDenied(denyMessage(agent, report.project_id));
      ctx.results.record(agent.id, report);
      // A progress report (in_progress; older agents never send one) is no finished sync: the agents API and metrics count those only.
      if (report.in_progress === true) return {};
      ctx.tracker.statusReported(agent, report);
      reports.inc({ agent: agent.name, success: String(report.success) });
      if (report.success) lastSuccess.set({ agent: agent.name, project: report.project_id }, Date.now() / 1000);
      ctx.logger.debug("Sync status reported", { [F.agentName]: agent.name, [F.projectId]: report.project_id, [F.commitId]: report.commit_id });
      return {};
    }),
    ReportClusterStatus: agentUnary(ctx, "ReportClusterStatus", async (call: grpc.ServerUnaryCall<ClusterStatusReport, SyncStatusAck>, agent) => {
      ctx.tracker.clusterReported(agent, call.request);
      return {};
    }),
  };
}
