/**
 * `npm run demo` — the dude/naww scenario on the embedded local cluster
 * (`npm run demo -- --kubeconfig ~/.kube/config` for an existing one), or the
 * way a user deploys it: `npm run demo -- --pulumi` (pulumi-run.ts).
 */
import { runCommandProcess, type CommandSpec } from "../../runtime/common";
import { runPulumiDemo } from "./pulumi-run";
import { runDemo } from "./run";

const DEMO_COMMAND = {
  name: "demo",
  usage: "[--kubeconfig <file> | --pulumi]   (npm run demo -- ...)",
  summary: "The dude/naww scenario: kas, agentk and a Git repository on the embedded test cluster, or on an existing cluster.",
  flags: {
    kubeconfig: { value: "<file>", description: "Run on this cluster instead of the embedded one" },
    pulumi: {
      type: "boolean",
      description:
        "Deploy the way a user does: infra/'s program through the real Pulumi engine (built from Go modules on first use) on the embedded cluster, kas and agentk run as their Deployments say (needs root), then pulumi destroy",
    },
  },
} as const satisfies CommandSpec;

runCommandProcess(DEMO_COMMAND, async ({ kubeconfig, pulumi }) => {
  if (pulumi && kubeconfig !== undefined) {
    process.stderr.write("demo: --pulumi runs on the embedded cluster; --kubeconfig does not apply\n");
    return 2;
  }
  if (pulumi) await runPulumiDemo();
  else await runDemo({ kubeconfig });
  return 0;
});
