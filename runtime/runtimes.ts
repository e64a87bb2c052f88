/**
 * The two runtimes by name. Only the chosen one is loaded: an agentk process
 * does not carry kas's modules (memory: bench/README.md).
 */
export const RUNTIME_NAMES = ["kas", "agentk"] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

type Main = (argv: readonly string[]) => Promise<number>;

export async function loadRuntime(name: RuntimeName): Promise<Main> {
  return name === "kas" ? (await import("./kas/main.js")).main : (await import("./agentk/main.js")).main;
}
