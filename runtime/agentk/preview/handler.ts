/**
 * agentk's answer to kas's preview request: only for a project the agent's
 * current configuration syncs (gitops.manifest_projects), with that project's
 * own settings (default_namespace, prune, inventory_policy, kinds) and the
 * agent's scope; kas cannot override them. A refusal says why, in words the
 * CLI prints.
 */
import { F, type Logger } from "../../common";
import type { AgentConfiguration, PreviewRequest, SourceFile } from "../../rpc";
import type { ObjectStore } from "../apply";
import type { PreviewAnswer, PreviewHandler } from "../tunnel";
import { previewCommit } from "./preview";

export interface PreviewHandlerOptions {
  readonly store: ObjectStore;
  /** The agent's current configuration and id; undefined before kas sent one. */
  readonly current: () => { readonly config: AgentConfiguration; readonly agentId: string; readonly inventoryName: string } | undefined;
  readonly agentNamespace: string;
  readonly logger: Logger;
}

const COMMIT = /^[0-9a-f]{40}$/;

export function previewHandler(opts: PreviewHandlerOptions): PreviewHandler {
  return async (request: PreviewRequest): Promise<PreviewAnswer> => {
    const log = opts.logger.with({ [F.projectId]: request.project_id, [F.commitId]: request.commit_id });
    const now = opts.current();
    if (now === undefined) return { status: 503, body: { refused: "agentk has no configuration from kas yet; try again shortly" } };
    const projects = now.config.gitops.manifest_projects;
    const project = projects.find((p) => p.id === request.project_id);
    if (project === undefined) {
      const listed = projects.length === 0 ? "none" : projects.map((p) => p.id).join(", ");
      log.info("Preview refused: not a manifest project of this agent");
      return { status: 403, body: { refused: `agent ${now.agentId} does not sync project ${request.project_id} (its gitops.manifest_projects: ${listed}); it previews only what it would sync` } };
    }
    if (!COMMIT.test(request.commit_id)) return { status: 400, body: { refused: `commit_id ${JSON.stringify(request.commit_id)}: expected a full commit SHA` } };
    const files: SourceFile[] = request.files.map((f) => ({ path: f.source, data: Buffer.from(f.data, "base64") }));
    log.info("Previewing commit", { [F.count]: files.length });
    const result = await previewCommit(
      opts.store,
      { batch: { projectId: request.project_id, commitId: request.commit_id, files }, project, scope: now.config.gitops.scope, agentId: now.agentId, agentNamespace: opts.agentNamespace, inventoryName: now.inventoryName },
      log,
    );
    return { status: 200, body: result };
  };
}
