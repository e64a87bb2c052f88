/**
 * A stream that arrives while kas is stopping (its project watcher already
 * closed) ends with UNAVAILABLE, so the agent reconnects; it never becomes an
 * unhandled rejection (which would take kas down, or fail this suite).
 */
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { bearerMetadata, type ConfigurationResponse, type ObjectsToSynchronizeResponse } from "../../runtime/rpc";
import { makeRepo, removeDir, tempDir } from "../git";
import { record, startTestKas, type TestKas } from "./index";

let dir: string;
let kas: TestKas;

beforeAll(async () => {
  dir = await tempDir();
  await makeRepo(path.join(dir, "config"), { ".gitlab/agents/a/config.yaml": "gitops: {}\n" });
  await makeRepo(path.join(dir, "manifests"), { "m.yaml": "kind: ConfigMap\n" });
  kas = await startTestKas({
    agents: [{ name: "a", id: "1", configProject: "g/config" }],
    projects: [
      { id: "g/config", url: path.join(dir, "config") },
      { id: "g/manifests", url: path.join(dir, "manifests"), agents: ["a"] },
    ],
    pollPeriod: "1h",
  });
});
afterAll(async () => {
  await kas?.stop();
  await removeDir(dir);
});

test("both streams end with UNAVAILABLE once the watcher is closed", async () => {
  await kas.kas.watcher.close();
  const token = kas.tokens["a"] as string;
  const clients = await kas.clients(token);
  const config = record<ConfigurationResponse>(clients.configuration.GetConfiguration({ commit_id: "" }, bearerMetadata(token)));
  const objects = record<ObjectsToSynchronizeResponse>(
    clients.gitops.GetObjectsToSynchronize({ project_id: "g/manifests", commit_id: "", paths: [], ref: {} }, bearerMetadata(token)),
  );
  for (const stream of [config, objects]) {
    const err = await stream.failed();
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(err.details).toContain("kas is stopping");
  }
});
