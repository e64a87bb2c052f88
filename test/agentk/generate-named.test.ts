/**
 * `agentk generate --name dude-agent --ca-cert-file ...` on the real
 * kube-apiserver: everything is named after the agent, its ServiceAccount has
 * exactly its own Lease and inventory by name, and the Deployment (the one
 * the Pulumi component creates too) is admitted under Pod Security restricted
 * and becomes available.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { startTestCluster, type TestCluster } from "../cluster";
import { removeDir, tempDir } from "../git";
import { main } from "../../runtime/agentk/main";

let cluster: TestCluster;
let dir: string;

beforeAll(async () => {
  cluster = await startTestCluster();
  dir = await tempDir();
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
  await removeDir(dir);
});

test("generate --name dude-agent: named after the agent, its own Lease and inventory only, and a Deployment restricted admits", async () => {
  const ca = path.join(dir, "ca.pem");
  writeFileSync(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  const stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
  let code: number;
  let printed: string;
  try {
    code = await main(["generate", "--agent-token", "glagent-named", "--kas-address", "grpcs://kas.example:8150", "--namespace", "named-agent", "--write-namespace", "named-dude", "--name", "dude-agent", "--ca-cert-file", ca]);
    printed = stdout.mock.calls.map((c) => String(c[0])).join("");
  } finally {
    stdout.mockRestore();
  }
  expect(code).toBe(0);
  const file = path.join(dir, "install.yaml");
  writeFileSync(file, printed);
  const applied = await cluster.kubectl(["apply", "-f", file]);
  expect(applied).toContain("serviceaccount/dude-agent created");
  expect(applied).toContain("deployment.apps/dude-agent created");

  const as = "system:serviceaccount:named-agent:dude-agent";
  const can = (verb: string, resource: string, ns: string) => cluster.kubectl(["auth", "can-i", verb, resource, "-n", ns, "--as", as]).then((o) => o.trim(), () => "no");
  expect(await can("update", "leases.coordination.k8s.io/dude-agent-lock", "named-agent")).toBe("yes");
  expect(await can("patch", "configmaps/dude-agent-inventory", "named-agent")).toBe("yes");
  expect(await can("update", "leases.coordination.k8s.io/agentk-lock", "named-agent")).toBe("no");
  expect(await can("patch", "deployments.apps", "named-dude")).toBe("yes");
  expect(await can("get", "secrets", "named-agent")).toBe("no");

  await cluster.kubectl(["wait", "--for=condition=Available", "deployment/dude-agent", "-n", "named-agent", "--timeout=90s"]);
  const args = await cluster.kubectl(["get", "deployment/dude-agent", "-n", "named-agent", "-o", "jsonpath={.spec.template.spec.containers[0].args}"]);
  expect(args).toContain("--ca-cert-file=/etc/agentk/secret/ca.crt");
  const keys = await cluster.kubectl(["get", "secret/dude-agent-token", "-n", "named-agent", "-o", "jsonpath={.data}"]);
  expect(Object.keys(JSON.parse(keys) as object).sort()).toEqual(["ca.crt", "token"]);
}, 180_000);
