/**
 * `npm run cluster:start` — starts the test cluster for a person, building it
 * first if needed, and keeps it up until Ctrl-C.
 * `npm run cluster:start -- --once` starts it, prints how long that took, and stops.
 */
import { startTestCluster } from "./index";

async function main(): Promise<void> {
  const once = process.argv.includes("--once");
  const t0 = Date.now();
  const cluster = await startTestCluster({ build: true, onProgress: (line) => process.stderr.write(line + "\n") });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`cluster ready in ${seconds}s\nexport KUBECONFIG=${cluster.kubeconfigPath}\n`);
  process.stdout.write(`kubectl: ${cluster.binary} kubectl --kubeconfig=${cluster.kubeconfigPath} get nodes\n`);
  if (once) {
    await cluster.stop();
    return;
  }
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  process.stderr.write("stopping test cluster\n");
  await cluster.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
