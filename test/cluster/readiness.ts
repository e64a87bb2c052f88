import { apiJson, apiRequest, type ApiCredentials } from "./api";

/** Polls `check` every 250 ms until it returns true; throws naming `what` at the deadline. */
export async function waitFor(what: string, deadline: number, check: () => Promise<boolean>): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (err) {
      // A process that exited is final; anything else (connection refused while starting) is retried.
      if (err instanceof Error && err.message.includes("exited during start")) throw err;
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const why = lastError instanceof Error ? `: last error: ${lastError.message}` : "";
  throw new Error(`test cluster: timed out waiting for ${what}${why}`);
}

/** Registers a Node that KWOK manages (annotation kwok.x-k8s.io/node=fake) and fakes as Ready. */
export async function createFakeNode(admin: ApiCredentials, name: string): Promise<void> {
  const res = await apiRequest(admin, "GET", `/api/v1/nodes/${name}`);
  if (res.status === 200) return;
  await apiJson(admin, "POST", "/api/v1/nodes", {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
      labels: {
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node-role.kubernetes.io/agent": "",
        type: "kwok",
      },
    },
  });
}
