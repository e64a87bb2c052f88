/**
 * The `kas` command as a real process: TLS gRPC and WebSocket-over-TLS with a
 * private CA, the configuration stream, and a clean exit on SIGTERM. Twice:
 * as the repository runs it (bin/kas, sources under ts-node on this machine's
 * Node) and as the image runs it (its entrypoint, the built runtime package with
 * production dependencies only, on the image's Node.js LTS: test/image).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { stringify } from "yaml";
import { bearerMetadata, createClients, type ConfigurationResponse } from "../../runtime/rpc";
import { connectTarget } from "../../runtime/agentk/connection";
import { hashToken } from "../../runtime/kas/registry";
import { freePorts } from "../cluster/ports";
import { imageCommand } from "../image";
import { makeRepo, removeDir, tempDir } from "../git";
import { makeTestPki } from "../tls";
import { newToken, record } from "./index";

const root = path.resolve(__dirname, "../..");
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<readonly string[]>]> = [
  ["bin/kas (the repository's sources)", async () => [path.join(root, "bin/kas")]],
  ["the image's entrypoint on its Node.js LTS", async () => imageCommand(["kas"])],
];

describe.each(COMMANDS)("%s", (_label, kasCommand) => {
  let dir: string;
  let proc: ChildProcess;
  let output = "";
  let ports: number[];
  const token = newToken();

  beforeAll(async () => {
    dir = await tempDir();
    const pki = makeTestPki(dir);
    await makeRepo(path.join(dir, "config"), { ".gitlab/agents/a1/config.yaml": "gitops:\n  manifest_projects: [{id: g/config, default_namespace: dude}]\n" });
    writeFileSync(path.join(dir, "agents.yaml"), stringify({ agents: [{ id: "1", name: "a1", config_project: "g/config", token_sha256: [hashToken(token)] }] }));
    ports = await freePorts(3);
    writeFileSync(
      path.join(dir, "kas.yaml"),
      stringify({
        listen: {
          grpcs: { address: `127.0.0.1:${ports[0]}`, cert_file: pki.certFile, key_file: pki.keyFile },
          websocket: { address: `127.0.0.1:${ports[1]}`, cert_file: pki.certFile, key_file: pki.keyFile },
          observability: `127.0.0.1:${ports[2]}`,
        },
        agents: { registry: "file", file: "agents.yaml" },
        projects: [{ id: "g/config", url: "config" }],
      }),
    );
    const [file, ...args] = await kasCommand();
    proc = spawn(file!, [...args, "--config", path.join(dir, "kas.yaml")], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    proc.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const ok = await fetch(`http://127.0.0.1:${ports[2]}/readiness`).then((r) => r.ok, () => false);
      if (ok) return;
      if (proc.exitCode !== null) throw new Error(`kas exited ${proc.exitCode}:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`kas did not become ready in 30 s:\n${output}`);
  }, 300_000);

  afterAll(async () => {
    if (proc && proc.exitCode === null) proc.kill("SIGKILL");
    await removeDir(dir);
  });

  test.each(["grpcs", "wss"] as const)("an agent trusting the private CA gets its configuration over %s", async (scheme) => {
    const ca = readFileSync(path.join(dir, "ca.crt"));
    const address = scheme === "grpcs" ? `grpcs://127.0.0.1:${ports[0]}` : `wss://127.0.0.1:${ports[1]}/-/kubernetes-agent/`;
    const target = await connectTarget(address, { token, caCert: ca });
    const clients = createClients(target.target, target.credentials);
    const s = record<ConfigurationResponse>(clients.configuration.GetConfiguration({ commit_id: "" }, bearerMetadata(token)));
    const [msg] = await s.atLeast(1);
    expect(msg!.configuration!.gitops.manifest_projects[0]!.default_namespace).toBe("dude");
    s.cancel();
    clients.close();
    await target.close();
  });

  test("an agent that does not trust the CA cannot connect over grpcs", async () => {
    const target = await connectTarget(`grpcs://127.0.0.1:${ports[0]}`, { token });
    const clients = createClients(target.target, target.credentials);
    const err = await record(clients.configuration.GetConfiguration({ commit_id: "" }, bearerMetadata(token), { deadline: Date.now() + 5000 })).failed();
    expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(err.code);
    clients.close();
  });

  test("SIGTERM stops kas cleanly, and its log never holds the token", async () => {
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"kas listening"');
    expect(output).not.toContain(token);
  });
});
