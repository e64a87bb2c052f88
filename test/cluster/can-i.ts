import { until } from "../until";
import type { TestCluster } from "./start";

/**
 * `kubectl auth can-i` as the holder of `kubeconfig`: a SelfSubjectAccessReview
 * asked by that identity. "yes" exits 0, "no" exits 1; anything else (the
 * apiserver unreachable, a bad flag) is an error, never a quiet "no".
 */
export async function canI(cluster: TestCluster, kubeconfig: string, args: readonly string[]): Promise<boolean> {
  try {
    return (await cluster.kubectl(["auth", "can-i", ...args], kubeconfig)).trim() === "yes";
  } catch (err) {
    const out = String((err as { stdout?: unknown }).stdout ?? "").trim();
    if (out.startsWith("no")) return false;
    throw err;
  }
}

/** Waits until the holder of `kubeconfig` may do `args`: the authorizer's informers see new bindings a moment after an apply. */
export async function untilCan(cluster: TestCluster, kubeconfig: string, args: readonly string[], timeoutMs = 30_000): Promise<void> {
  await until(`${args.join(" ")} to be allowed`, async () => ((await canI(cluster, kubeconfig, args)) ? true : undefined), timeoutMs);
}
