/**
 * The two runtimes by name, and the commands beside them. Only the chosen one
 * is loaded: an agentk process does not carry kas's modules (memory:
 * bench/README.md).
 */
export const RUNTIME_NAMES = ["kas", "agentk"] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];
/** `gitops-agent kubeconfig`: a CI job's kubeconfig from kas (the same as `kas kubeconfig`); `preview`: the agent's plan of a commit; `wait`: a CI job waits for the agent to apply a commit. */
export const TOOL_NAMES = ["kubeconfig", "preview", "wait"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
export const COMMAND_NAMES = [...RUNTIME_NAMES, ...TOOL_NAMES] as const;

type Main = (argv: readonly string[]) => Promise<number>;

/**
 * A require, not import(): compiled to CommonJS, an import() also starts
 * Node's ESM loader, RSS an idle agentk kept for nothing (bench/README.md,
 * agentk idle). No extension: dist holds .js, ts-node finds the .ts.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = <T>(id: string): T => require(id) as T;

export async function loadRuntime(name: RuntimeName | ToolName): Promise<Main> {
  switch (name) {
    case "kas":
      return load<typeof import("./kas/main.js")>("./kas/main").main;
    case "agentk":
      return load<typeof import("./agentk/main.js")>("./agentk/main").main;
    case "kubeconfig": {
      const { kubeconfigMain } = load<typeof import("./kas/ci-kubeconfig/index.js")>("./kas/ci-kubeconfig");
      return (argv) => kubeconfigMain(argv, "gitops-agent kubeconfig");
    }
    case "preview": {
      const { previewMain } = load<typeof import("./kas/ci-preview/index.js")>("./kas/ci-preview");
      return (argv) => previewMain(argv, "gitops-agent preview");
    }
    case "wait": {
      const { waitMain } = await import("./kas/ci-wait/index.js");
      return (argv) => waitMain(argv, "gitops-agent wait");
    }
  }
}
