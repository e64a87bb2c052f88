/**
 * `POST /.kas/v1/preview` on kas's Kubernetes API listener (issue 18): a CI
 * job, authenticated and authorised as for the proxy (`Bearer ci:<agent
 * id>:<token>`, the agent's ci_access; admit()), asks the agent to plan a
 * commit without applying it. kas resolves the commit, collects the files the
 * agent's config lists for that project, and sends them through one of the
 * agent's tunnels to PREVIEW_PATH, which agentk answers itself (runtime/agentk/
 * preview) as its ServiceAccount, never as another identity. agentk decides
 * whether it syncs the project; kas only relays its refusal. Answers: the
 * PreviewResult (200) or a Kubernetes Status with the reason.
 */
import * as grpc from "@grpc/grpc-js";
import type * as http from "node:http";
import { F } from "../../common";
import {
  KAS_PREVIEW_MAX_REQUEST_BYTES,
  KAS_PREVIEW_PATH,
  MANIFEST_PROJECT_DEFAULTS,
  PREVIEW_MAX_RESULT_BYTES,
  PREVIEW_PATH,
  TUNNEL_CAPABILITIES,
  parseKasPreviewRequest,
  parsePreviewRefusal,
  parsePreviewResult,
  type PreviewFile,
  type PreviewRequest,
} from "../../rpc";
import type { ProjectConfig } from "../config";
import { canRead, denyMessage, denyReason } from "./access";
import type { AgentAccessBook } from "./agent-access";
import { toStatus } from "./errors";
import { admit, withDefaults, type KubernetesApiProxyDeps } from "./kubernetes-api-proxy";
import { sendRefusal, type Refusal } from "./kubernetes-api-status";
import type { GitReader } from "./ports";
import { readBody } from "./read-body";

export interface PreviewDeps extends KubernetesApiProxyDeps {
  readonly git: Pick<GitReader, "resolveRef" | "collectFiles">;
  readonly access: Pick<AgentAccessBook, "get" | "manifestProject">;
  /** kas.yaml's projects: an agent previews only what it may read (the objects stream's rule, canRead). */
  readonly projects: () => readonly ProjectConfig[];
}

/** Why the agent may not read `projectId` (kas's words to it on the objects stream), or undefined. */
class ReadDenied extends Error {}

/** An empty `paths` reads what GitLab reads: the one default both the objects stream and previews use. */
const DEFAULT_GLOBS = MANIFEST_PROJECT_DEFAULTS.paths.map((p) => p.glob);
/** The Status reason of agentk's refusals (serve-own.ts, runtime/agentk/preview/handler.ts). */
const AGENT_REASONS: Record<number, string> = { 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed", 413: "RequestEntityTooLarge", 501: "NotImplemented", 503: "ServiceUnavailable" };
const GIT_HTTP: Partial<Record<grpc.status, [number, string]>> = {
  [grpc.status.NOT_FOUND]: [404, "NotFound"],
  [grpc.status.INVALID_ARGUMENT]: [400, "BadRequest"],
  [grpc.status.RESOURCE_EXHAUSTED]: [413, "RequestEntityTooLarge"],
  [grpc.status.FAILED_PRECONDITION]: [400, "BadRequest"],
  [grpc.status.UNAVAILABLE]: [503, "ServiceUnavailable"],
};

export function previewHandler(deps0: PreviewDeps): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const deps = { ...deps0, ...withDefaults(deps0) };
  return (req, res) => {
    void serve(deps, req, res).catch((err: unknown) => {
      deps.logger.error("preview error", { [F.error]: err });
      sendRefusal(res, { code: 500, reason: "InternalError", message: "kas: internal error" }, KAS_PREVIEW_PATH);
    });
  };
}

async function serve(deps: PreviewDeps & ReturnType<typeof withDefaults>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const refuse = (r: Refusal): void => sendRefusal(res, r, KAS_PREVIEW_PATH);
  if (req.method !== "POST") {
    req.resume();
    return refuse({ code: 405, reason: "MethodNotAllowed", message: `kas: ${KAS_PREVIEW_PATH} answers POST only` });
  }
  const body = await readBody(req, { max: KAS_PREVIEW_MAX_REQUEST_BYTES });
  if (!body.ok) {
    if (body.reason === "aborted") return;
    return refuse({ code: 413, reason: "RequestEntityTooLarge", message: `kas: the preview request is over ${KAS_PREVIEW_MAX_REQUEST_BYTES} bytes`, close: !body.drained });
  }
  let json: unknown;
  try {
    json = JSON.parse(body.body.toString("utf8"));
  } catch {
    return refuse({ code: 400, reason: "BadRequest", message: 'kas: the preview request is not JSON; expected {"commit": "<sha>", "project": "<path>"}' });
  }
  const asked = parseKasPreviewRequest(json);
  if (!asked.ok) return refuse({ code: 400, reason: "BadRequest", message: `kas: ${asked.reason}` });
  const gone = new AbortController();
  res.on("close", () => gone.abort());
  const admitted = await admit(deps, req, gone.signal);
  if ("refusal" in admitted) return refuse(admitted.refusal);
  const { tunnel, agentId, identity } = admitted;
  if (identity !== null || !tunnel.capabilities.includes(TUNNEL_CAPABILITIES.preview)) {
    tunnel.cancel("not used: no preview");
    const message =
      identity !== null
        ? `kas: a preview runs as agent ${agentId}'s ServiceAccount, but this credential's ci_access grants access as ${identity.user}: kas previews only for ci_access entries that run as the agent`
        : `kas: agent ${agentId}'s agentk does not serve previews (an older agentk?); upgrade agentk`;
    deps.logger.info("preview refused", { [F.agentId]: agentId, [F.reason]: message });
    return refuse({ code: identity !== null ? 403 : 501, reason: identity !== null ? "Forbidden" : "NotImplemented", message });
  }
  let request: PreviewRequest;
  try {
    request = await buildRequest(deps, agentId, asked.value.commit, asked.value.project);
  } catch (err) {
    tunnel.cancel("not used: the commit cannot be read");
    if (err instanceof ReadDenied) return refuse({ code: 403, reason: "Forbidden", message: `kas: ${err.message}` });
    const { code, details } = toStatus(err);
    const [status, reason] = GIT_HTTP[code] ?? [500, "InternalError"];
    return refuse({ code: status, reason, message: `kas: ${details}` });
  }
  const payload = Buffer.from(JSON.stringify(request));
  deps.logger.info("preview requested", { [F.agentId]: agentId, [F.projectId]: request.project_id, [F.commitId]: request.commit_id, [F.count]: request.files.length });
  let answer;
  try {
    answer = await tunnel.request({ method: "POST", path: PREVIEW_PATH, headers: [{ name: "content-type", values: ["application/json"] }], identity: null }, chunks(payload), gone.signal);
  } catch (err) {
    if (gone.signal.aborted) return;
    return refuse({ code: 502, reason: "BadGateway", message: `kas: agent ${agentId}: ${err instanceof Error ? err.message : String(err)}` });
  }
  const text = await readAll(answer.body, PREVIEW_MAX_RESULT_BYTES);
  if (text === undefined) return refuse({ code: 502, reason: "BadGateway", message: `kas: agent ${agentId}'s preview is over ${PREVIEW_MAX_RESULT_BYTES} bytes` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return refuse({ code: 502, reason: "BadGateway", message: `kas: agent ${agentId} answered the preview with a body that is not JSON` });
  }
  if (answer.head.status !== 200) {
    const why = parsePreviewRefusal(parsed) ?? `status ${answer.head.status}`;
    return refuse({ code: answer.head.status, reason: AGENT_REASONS[answer.head.status] ?? "BadRequest", message: `agent ${agentId} refused the preview: ${why}` });
  }
  const result = parsePreviewResult(parsed);
  if (!result.ok) return refuse({ code: 502, reason: "BadGateway", message: `kas: agent ${agentId}: ${result.reason}` });
  const out = JSON.stringify(result.value);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out), "cache-control": "no-store" }).end(out);
}

/**
 * The commit resolved and its files, by the globs the agent's config lists
 * for the project. A project the agent's config does not list goes with no
 * files and the commit as asked: agentk refuses it, with its own reason.
 */
async function buildRequest(deps: PreviewDeps, agentId: string, commit: string, project: string | undefined): Promise<PreviewRequest> {
  const target = deps.access.get(agentId)?.agent;
  const projectId = project ?? target?.configProjectPath ?? "";
  const manifest = deps.access.manifestProject(agentId, projectId);
  if (manifest === undefined) return { project_id: projectId, commit_id: commit, files: [] };
  // The agent's config names the project; kas decides whether the agent may read it, as for its objects stream.
  const identity = { id: agentId, name: target?.name ?? "", configProjectId: target?.configProjectPath ?? "" };
  const projects = deps.projects();
  if (target === undefined || !canRead(identity, projectId, projects)) {
    deps.logger.info("preview refused: project not readable by the agent", { [F.agentId]: agentId, [F.projectId]: projectId, [F.reason]: denyReason(projectId, projects) });
    throw new ReadDenied(denyMessage(identity, projectId));
  }
  const sha = await deps.git.resolveRef(projectId, { commit });
  const globs = manifest.paths.length > 0 ? manifest.paths.map((p) => p.glob) : DEFAULT_GLOBS;
  const files: PreviewFile[] = (await deps.git.collectFiles(projectId, sha, globs)).map((f) => ({ source: f.path, data: f.data.toString("base64") }));
  return { project_id: projectId, commit_id: sha, files };
}

async function* chunks(payload: Buffer): AsyncIterable<Buffer> {
  const size = 64 * 1024;
  for (let off = 0; off < payload.length; off += size) yield payload.subarray(off, off + size);
}

async function readAll(body: AsyncIterable<Buffer>, max: number): Promise<string | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.length;
    if (size > max) return undefined;
    parts.push(c);
  }
  return Buffer.concat(parts).toString("utf8");
}
