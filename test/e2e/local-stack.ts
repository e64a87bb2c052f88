/**
 * What the local-mode pulumi-up e2e tests share: the test cluster, the
 * runtime image, a temp dir and the example repository served over Git
 * HTTP, and the example's stack config pointed at them; closed in one call
 * (the processes the test ran as deployed stopped first).
 */
import * as path from "node:path";
import { exampleStackConfig, makeExampleRepo } from "../../examples/dude-naww/stack";
import { startTestCluster, type TestCluster } from "../cluster";
import type { DeployedProcess } from "../deployed";
import { removeDir, startGitHttpServer, tempDir, type GitHttpServer } from "../git";
import { ensureRuntimeImage, type RuntimeImage } from "../image";

export interface LocalStack {
  readonly cluster: TestCluster;
  readonly image: RuntimeImage;
  readonly dir: string;
  readonly git: GitHttpServer;
  /** Processes run as deployed, stopped by close (a test stops them earlier as its steps say). */
  readonly running: DeployedProcess[];
  /** The example's stack config (Pulumi.dude-naww.yaml) on this cluster and Git server; `changes` replaces top-level keys. */
  stackConfig(changes?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startLocalStack(): Promise<LocalStack> {
  const [cluster, image, dir] = await Promise.all([startTestCluster(), ensureRuntimeImage(), tempDir()]);
  await makeExampleRepo(path.join(dir, "repos"));
  const git = await startGitHttpServer({ root: path.join(dir, "repos") });
  const running: DeployedProcess[] = [];
  return {
    cluster,
    image,
    dir,
    git,
    running,
    stackConfig: (changes = {}) => exampleStackConfig(cluster.kubeconfigPath, git.url, changes),
    close: async () => {
      for (const p of running.splice(0)) await p.stop().catch(() => undefined);
      await git.stop();
      await cluster.stop();
      await removeDir(dir);
    },
  };
}
