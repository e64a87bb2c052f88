/**
 * The console's workloads routes (issue 21): the console's router
 * authenticates the request, names the viewer, and calls this; it answers
 * true when the URL is one of its own (and then has answered it).
 */
import type * as http from "node:http";
import { F } from "../../common";
import type { ConsoleRoute } from "../console";
import type { WorkloadsDeps } from "./access";
import { WORKLOADS_JS } from "./assets";
import { collectWorkloads } from "./collect";
import { MAX_LOG_STREAMS_PER_VIEWER, MAX_WORKLOADS_READS_PER_VIEWER, streamLog, viewerKey, ViewerSlots } from "./logs";
import type { Problem } from "./model";
import { renderRefusalPage, renderWorkloadsPage, workloadsPageOptions } from "./page";
import { parseRoute } from "./routes";

export type WorkloadsHandler = ConsoleRoute;

const SECURITY = { "cache-control": "no-store", "x-content-type-options": "nosniff" };

export function workloadsRoutes(deps: WorkloadsDeps): WorkloadsHandler {
  const streams = new ViewerSlots(MAX_LOG_STREAMS_PER_VIEWER);
  const reads = new ViewerSlots(MAX_WORKLOADS_READS_PER_VIEWER);
  const js = Buffer.from(WORKLOADS_JS);
  return async (req, res, path, viewer, ctx) => {
    const route = parseRoute(path, new URL(req.url ?? "/", "http://kas").searchParams);
    if (route === undefined) return false;
    const refuse = (p: Problem): void => sendProblem(res, p);
    if (req.method !== "GET") {
      refuse({ status: 405, reason: "MethodNotAllowed", message: `kas: ${path} answers GET only` });
      return true;
    }
    switch (route.kind) {
      case "bad-request":
        refuse({ status: 400, reason: "BadRequest", message: route.message });
        return true;
      case "not-found":
        refuse({ status: 404, reason: "NotFound", message: route.message });
        return true;
      case "asset":
        res.writeHead(200, { ...SECURITY, "content-type": "text/javascript; charset=utf-8", "content-length": js.length }).end(js);
        return true;
    }
    // An agent the viewer may not see: not even the names of its workloads.
    const refused = await deps.agentAccess?.(viewer, route.agentId);
    if (refused !== undefined) {
      if (route.kind !== "workloads-page") refuse(refused);
      else ctx.sendPage(res, refused.status, { title: `Workloads of agent ${route.agentId}` }, renderRefusalPage(route.agentId, refused));
      return true;
    }
    switch (route.kind) {
      case "log":
        await streamLog(deps, streams, viewer, route, res, refuse);
        return true;
      case "workloads-json":
      case "workloads-page": {
        const key = viewerKey(viewer);
        if (!reads.take(key)) {
          refuse({ status: 429, reason: "TooManyRequests", message: `kas: this viewer already has ${MAX_WORKLOADS_READS_PER_VIEWER} workloads reads in progress; try again when they are done` });
          return true;
        }
        const gone = new AbortController();
        res.once("close", () => gone.abort());
        const answer = await collectWorkloads(deps, viewer, route.agentId, gone.signal).finally(() => reads.give(key));
        if (gone.signal.aborted) return true;
        if (answer === undefined) {
          refuse({ status: 404, reason: "NotFound", message: `kas: no agent with id ${route.agentId}` });
          return true;
        }
        deps.logger.debug("workloads read", { [F.agentId]: route.agentId, [F.count]: answer.workloads.length, [F.identity]: viewer.kind === "api-token" ? "api-token" : `gitlab-user ${viewer.username}` });
        if (route.kind === "workloads-page") ctx.sendPage(res, 200, workloadsPageOptions(`Workloads of agent ${answer.agent.name}`), renderWorkloadsPage(answer));
        else {
          const body = Buffer.from(JSON.stringify(answer, null, 2) + "\n");
          res.writeHead(200, { ...SECURITY, "content-type": "application/json", "content-length": body.length }).end(body);
        }
        return true;
      }
    }
  };
}

/** A refusal as a Kubernetes Status (what kubectl and the page show), unless the response has begun. */
function sendProblem(res: http.ServerResponse, p: Problem): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: p.status, reason: p.reason, message: p.message }) + "\n";
  res.writeHead(p.status, { ...SECURITY, "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
}
