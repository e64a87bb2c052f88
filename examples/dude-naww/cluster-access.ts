import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { ensureClusterBinary, startTestCluster, type TestCluster } from "../../test/cluster";

const run = promisify(execFile);

/** The cluster the demo runs on: the embedded local test cluster, or an existing one by kubeconfig. */
export interface DemoCluster {
  readonly kubeconfig: string;
  readonly local?: TestCluster;
  kubectl(args: readonly string[], kubeconfig?: string): Promise<string>;
  /** A kubeconfig holding a TokenRequest token for ServiceAccount ns/name (`kubectl create token`). */
  serviceAccountKubeconfig(namespace: string, name: string, dir: string): Promise<string>;
  stop(): Promise<void>;
}

export async function openCluster(kubeconfig: string | undefined, say: (line: string) => void): Promise<DemoCluster> {
  const binary = await ensureClusterBinary({ build: true, onProgress: say });
  const local = kubeconfig ? undefined : await startTestCluster({ onProgress: say });
  const admin = kubeconfig ?? (local as TestCluster).kubeconfigPath;
  const kubectl = async (args: readonly string[], kc = admin): Promise<string> =>
    (await run(binary, ["kubectl", `--kubeconfig=${kc}`, ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;
  return {
    kubeconfig: admin,
    local,
    kubectl,
    serviceAccountKubeconfig: async (namespace, name, dir) => {
      const token = (await kubectl(["create", "token", name, "-n", namespace, "--duration=2h"])).trim();
      const view = JSON.parse(await kubectl(["config", "view", "--raw", "--minify", "-o", "json"])) as {
        clusters: { cluster: Record<string, unknown> }[];
      };
      const file = path.join(dir, `${namespace}-${name}.kubeconfig`);
      const user = `system:serviceaccount:${namespace}:${name}`;
      writeFileSync(
        file,
        stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: "demo", cluster: view.clusters[0]!.cluster }],
          users: [{ name: user, user: { token } }],
          contexts: [{ name: user, context: { cluster: "demo", user, namespace } }],
          "current-context": user,
        }),
        { mode: 0o600 },
      );
      return file;
    },
    stop: async () => {
      await local?.stop();
    },
  };
}
