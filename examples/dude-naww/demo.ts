/**
 * `npm run demo` — the dude/naww scenario on the embedded local cluster
 * (`npm run demo -- --kubeconfig ~/.kube/config` for an existing one).
 */
import { runDemo } from "./run";

const i = process.argv.indexOf("--kubeconfig");
const kubeconfig = i >= 0 ? process.argv[i + 1] : undefined;

runDemo({ kubeconfig }).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
