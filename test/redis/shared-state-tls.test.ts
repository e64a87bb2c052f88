/**
 * kas.yaml `redis.tls`: kas reaches a TLS-only redis-server trusting the CA
 * file it names, and refuses one whose certificate it cannot verify.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { silentLogger } from "../../runtime/common";
import { connectRedis } from "../../runtime/kas/shared";
import { makeTestPki } from "../tls";
import { until } from "../until";
import { startTestRedis, type TestRedis } from ".";

let redis: TestRedis;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "kas-redis-tls-"));
  const pki = makeTestPki(dir);
  redis = await startTestRedis({ tls: { certFile: pki.certFile, keyFile: pki.keyFile, caFile: pki.caFile } });
});
afterAll(() => redis?.close());

test("GIVEN tls with the CA file THEN kas connects and writes; WHEN the CA does not match THEN it never counts Redis as up", async () => {
  const base = { host: "127.0.0.1", port: redis.port, keyPrefix: "tls-test", dialTimeoutMs: 2_000 };
  const ok = connectRedis({ ...base, tls: { caCertificateFile: path.join(dir, "ca.crt") } }, silentLogger);
  try {
    await until("TLS connection ready", async () => (ok.ready() ? true : undefined), 10_000);
    await ok.client.set("tls-test:k", "v");
    expect(redis.cli(["GET", "tls-test:k"]).trim()).toBe("v");
  } finally {
    await ok.close();
  }
  const other = mkdtempSync(path.join(tmpdir(), "kas-redis-other-ca-"));
  makeTestPki(other);
  const refused = connectRedis({ ...base, tls: { caCertificateFile: path.join(other, "ca.crt") } }, silentLogger);
  try {
    await new Promise((r) => setTimeout(r, 1_500));
    expect(refused.ready()).toBe(false);
  } finally {
    await refused.close();
  }
});
