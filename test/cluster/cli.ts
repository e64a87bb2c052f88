/**
 * `npm run cluster:start` — starts the test cluster for a person, building it
 * first if needed, and keeps it up until Ctrl-C.
 * `npm run cluster:start -- --once` starts it, prints how long that took, and stops.
 */
import { runCommandProcess, type CommandSpec } from "../../runtime/common";
import { startTestCluster } from "./index";

const CLUSTER_COMMAND = {
  name: "cluster:start",
  usage: "[--once]   (npm run cluster:start -- ...)",
  summary: "Starts the hermetic test cluster (building it first if needed), prints its KUBECONFIG, and keeps it up until Ctrl-C.",
  flags: { once: { type: "boolean", description: "Start it, print how long that took, and stop" } },
} as const satisfies CommandSpec;

runCommandProcess(CLUSTER_COMMAND, async ({ once }) => {
  const t0 = Date.now();
  const cluster = await startTestCluster({ build: true, onProgress: (line) => process.stderr.write(line + "\n") });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`cluster ready in ${seconds}s\nexport KUBECONFIG=${cluster.kubeconfigPath}\n`);
  process.stdout.write(`kubectl: ${cluster.binary} kubectl --kubeconfig=${cluster.kubeconfigPath} get nodes\n`);
  if (once === true) {
    await cluster.stop();
    return 0;
  }
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  process.stderr.write("stopping test cluster\n");
  await cluster.stop();
  return 0;
});
