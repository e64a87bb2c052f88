import type { AgentConfiguration } from "../../rpc";
import { ProjectWorker, type WorkerDeps } from "./worker";

/** A key that changes whenever anything a worker depends on changes. */
function workerKey(config: AgentConfiguration, i: number): string {
  const p = config.gitops.manifest_projects[i]!;
  const { kind: _k, ...ref } = p.ref;
  return JSON.stringify({ ...p, ref, scope: config.gitops.scope, reapply: config.gitops.reapply_interval_seconds });
}

/**
 * One worker per manifest project; on a new configuration, workers whose
 * project settings are unchanged keep running, others stop or start.
 */
export class WorkerSet {
  private readonly workers = new Map<string, ProjectWorker>();

  constructor(private readonly deps: WorkerDeps) {}

  async apply(config: AgentConfiguration): Promise<void> {
    const wanted = new Map<string, number>();
    config.gitops.manifest_projects.forEach((_, i) => wanted.set(workerKey(config, i), i));
    const projects = new Set(config.gitops.manifest_projects.map((p) => p.id));
    for (const [key, worker] of this.workers) {
      if (!wanted.has(key)) {
        this.workers.delete(key);
        await worker.stop();
        if (!projects.has(worker.config.project.id)) worker.forgetMetrics();
      }
    }
    for (const [key, i] of wanted) {
      if (this.workers.has(key)) continue;
      const project = config.gitops.manifest_projects[i]!;
      this.workers.set(
        key,
        new ProjectWorker(this.deps, { project, scope: config.gitops.scope, reapplyIntervalMs: config.gitops.reapply_interval_seconds * 1000 }),
      );
    }
  }

  get size(): number {
    return this.workers.size;
  }

  async stop(): Promise<void> {
    const all = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(all.map((w) => w.stop()));
  }
}
