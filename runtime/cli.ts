/**
 * The container's entry point: `gitops-agent kas --config ...` or
 * `gitops-agent agentk --kas-address ...` (one image holds both runtimes).
 */

type Main = (argv: readonly string[]) => Promise<number>;

// Only the chosen runtime is loaded: an agentk process does not carry kas's modules (memory: bench/README.md).
const [command, ...args] = process.argv.slice(2);
const load: (() => Promise<Main>) | undefined =
  command === "kas"
    ? async () => (await import("./kas/main.js")).main
    : command === "agentk"
      ? async () => (await import("./agentk/main.js")).main
      : undefined;
if (!load) {
  process.stderr.write("usage: gitops-agent kas --config <kas.yaml> | gitops-agent agentk --kas-address <url> [...] | gitops-agent agentk generate [...]\n");
  process.exit(2);
}
load()
  .then((run) => run(args))
  .then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
