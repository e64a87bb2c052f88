/**
 * `npm run demo` — the dude/naww scenario on the embedded local cluster
 * (`npm run demo -- --kubeconfig ~/.kube/config` for an existing one).
 */
import { runCommandProcess, type CommandSpec } from "../../runtime/common";
import { runDemo } from "./run";

const DEMO_COMMAND = {
  name: "demo",
  usage: "[--kubeconfig <file>]   (npm run demo -- ...)",
  summary: "The dude/naww scenario: kas, agentk and a Git repository on the embedded test cluster, or on an existing cluster.",
  flags: { kubeconfig: { value: "<file>", description: "Run on this cluster instead of the embedded one" } },
} as const satisfies CommandSpec;

runCommandProcess(DEMO_COMMAND, async ({ kubeconfig }) => {
  await runDemo({ kubeconfig });
  return 0;
});
