/**
 * The CI kubeconfig, read back by the real kubectl (the test-cluster binary's):
 * one context per agent named `<config project path>:<agent name>`, and the
 * header kubectl sends on the wire is `Authorization: Bearer ci:<agent id>:<credential>`.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { renderCiKubeconfig } from "../../runtime/kas/kubeapi-auth";
import { ensureClusterBinary } from "../cluster";
import { makeTestPki, type TestPki } from "../tls";

const run = promisify(execFile);
const CREDENTIAL = "eyJhbGciOiJSUzI1NiJ9.eyJwcm9qZWN0X3BhdGgiOiJkdWRlL2FwcCJ9.c2ln";

let dir: string;
let binary: string;
let pki: TestPki;
let server: https.Server;
const seen: { path: string; authorization?: string }[] = [];
beforeAll(async () => {
  binary = await ensureClusterBinary();
  dir = await mkdtemp(path.join(os.tmpdir(), "ci-kubeconfig-"));
  pki = makeTestPki(dir);
  // kubectl sends no bearer token over plain http: the proxy is https (renderCiKubeconfig insists).
  server = https.createServer({ cert: readFileSync(pki.certFile), key: readFileSync(pki.keyFile) }, (req, res) => {
    seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ major: "1", minor: "36", gitVersion: "v1.36.0-kas-stand-in" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  const { stdout } = await run(binary, ["kubectl", `--kubeconfig=${kubeconfig}`, ...args], { encoding: "utf8" });
  return stdout;
}

test("kubectl reads one context per agent and sends ci:<agent id>:<credential>", async () => {
  const proxy = `https://127.0.0.1:${(server.address() as AddressInfo).port}/k8s-proxy`;
  const file = path.join(dir, "kubeconfig");
  await writeFile(
    file,
    renderCiKubeconfig({
      server: proxy,
      caPem: readFileSync(pki.caFile, "utf8"),
      credential: CREDENTIAL,
      agents: [
        { id: "7", name: "dude", configProjectPath: "dude/agent-config", defaultNamespace: "dude" },
        { id: "8", name: "naww", configProjectPath: "naww/agent-config" },
      ],
    }),
  );
  expect((await kubectl(file, ["config", "get-contexts", "-o", "name"])).trim().split("\n").sort()).toEqual([
    "dude/agent-config:dude",
    "naww/agent-config:naww",
  ]);
  expect(await kubectl(file, ["config", "view", "--minify", "--context", "dude/agent-config:dude", "-o", "jsonpath={.contexts[0].context.namespace}"])).toBe("dude");

  await kubectl(file, ["--context", "dude/agent-config:dude", "get", "--raw", "/version"]);
  await kubectl(file, ["--context", "naww/agent-config:naww", "get", "--raw", "/version"]);
  expect(seen).toEqual([
    { path: "/k8s-proxy/version", authorization: `Bearer ci:7:${CREDENTIAL}` },
    { path: "/k8s-proxy/version", authorization: `Bearer ci:8:${CREDENTIAL}` },
  ]);
});
