/**
 * The container's entry point: `gitops-agent kas --config ...` or
 * `gitops-agent agentk --kas-address ...` (one image holds both runtimes).
 */
import { main as agentk } from "./agentk/main";
import { main as kas } from "./kas/main";

const [command, ...args] = process.argv.slice(2);
const run = command === "kas" ? kas : command === "agentk" ? agentk : undefined;
if (!run) {
  process.stderr.write("usage: gitops-agent kas --config <kas.yaml> | gitops-agent agentk --kas-address <url> [...] | gitops-agent agentk generate [...]\n");
  process.exit(2);
}
run(args).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
