/**
 * A commit whose glob picked up a Helm chart and kustomizations is rejected
 * before any request (the client points at a closed loopback port: a request
 * would fail the sync differently), with one entry per file.
 */
import { agentStateNames, createLogger } from "../../common";
import { MANIFEST_PROJECT_DEFAULTS } from "../../rpc";
import { Discovery, KubeClient } from "../kube";
import { testdataFiles } from "../plan/testdata/fixtures";
import { ObjectStore, syncCommit } from "./index";

test("a Helm chart and kustomizations in the glob: one entry per file saying what it is, a short error, no request", async () => {
  const client = KubeClient.fromAccess({ server: new URL("http://127.0.0.1:1"), tls: { rejectUnauthorized: true }, headers: async () => ({}), source: "nowhere" });
  const store = new ObjectStore(client, new Discovery(client));
  const files = [...testdataFiles("helm-chart"), ...testdataFiles("kustomize")];
  const lines: string[] = [];
  const out = await syncCommit(
    store,
    {
      batch: { commitId: "c1", projectId: "group/p", files },
      project: { id: "group/p", ref: {}, ...MANIFEST_PROJECT_DEFAULTS },
      scope: { mode: "cluster", namespaces: [] },
      agentId: "1",
      agentNamespace: "gitlab-k8s-agent",
      inventoryName: agentStateNames("agentk").inventory,
      signal: new AbortController().signal,
    },
    createLogger({ write: (l) => void lines.push(l) }),
  );
  expect(client.counts).toEqual({});
  expect(out.rejected).toHaveLength(files.length);
  expect(out.rejected!.filter((e) => e.includes("looks like a Helm template"))).toHaveLength(4);
  expect(out.rejected!.filter((e) => e.includes("is a Kustomize file, not a Kubernetes object"))).toHaveLength(2);
  // Before: 101 messages in 13 KB, and the kustomizations were never read.
  expect(out.error!.length).toBeLessThan(4_000);
  expect(lines).toHaveLength(2); // "Synchronizing objects", then one "Commit rejected" line
  expect(lines[1]).toContain('"msg":"Commit rejected: nothing was applied; the cluster keeps the previous state"');
  client.close();
});
