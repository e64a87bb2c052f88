/**
 * A real redis-server (Debian's package; .ci/run installs it) on a loopback
 * port of its own, for the kas replica tests: no persistence unless asked,
 * no password unless given, started and stopped like the test cluster. A test
 * can stop it (to see kas degrade) and start it again on the same port.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import * as tls from "node:tls";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { freePorts, spawnCommand, type Spawned } from "../cluster";
import { until } from "../until";

export interface TestRedisOptions {
  /** requirepass: clients must AUTH with it. */
  readonly password?: string;
  /** TLS only (no plain port): the server's certificate and key, and the CA that signed them. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
}

export interface TestRedis {
  readonly port: number;
  /** redis://[:password@]127.0.0.1:<port> (rediss:// with TLS) */
  readonly url: string;
  /** Starts the server again on the same port (after stop). */
  start(): Promise<void>;
  /** Stops the server (SIGKILL by default: a crash; SIGTERM: a clean shutdown). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Runs one redis-cli command against it and returns its output. */
  cli(args: readonly string[]): string;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

/** The server binary, or an error saying how to get it: a test that needs Redis fails, never skips. */
export function redisServerBinary(): string {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("redis-server is not installed: `apt-get update && apt-get install -y redis-server` (.ci/run does this on a fresh machine)");
  }
}

export async function startTestRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const binary = redisServerBinary();
  const [port] = (await freePorts(1)) as [number];
  const dir = mkdtempSync(path.join(tmpdir(), "test-redis-"));
  let proc: Spawned | undefined;
  const t = options.tls;
  const portArgs = t ? ["--port", "0", "--tls-port", String(port), "--tls-cert-file", t.certFile, "--tls-key-file", t.keyFile, "--tls-ca-cert-file", t.caFile, "--tls-auth-clients", "no"] : ["--port", String(port)];
  const args = [...portArgs, "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", ...(options.password ? ["--requirepass", options.password] : [])];
  const start = async (): Promise<void> => {
    if (proc) throw new Error("redis-server is already running");
    const p = spawnCommand(binary, args);
    proc = p;
    await until(`redis-server on 127.0.0.1:${port}`, async () => ((await answersPing(port, t !== undefined)) ? true : undefined), 10_000, () => p.output());
  };
  const stop = async (signal: NodeJS.Signals = "SIGKILL"): Promise<void> => {
    const p = proc;
    proc = undefined;
    await p?.kill(signal);
  };
  await start();
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : "";
  return {
    port,
    url: `${t ? "rediss" : "redis"}://${auth}127.0.0.1:${port}`,
    start,
    stop,
    cli: (cmd) => execFileSync("redis-cli", ["-p", String(port), ...(t ? ["--tls", "--cacert", t.caFile] : []), ...(options.password ? ["--no-auth-warning", "-a", options.password] : []), ...cmd], { encoding: "utf8" }),
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A PING answered (+PONG, or -NOAUTH when a password is set: the server is up either way). */
function answersPing(port: number, useTls: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    // Readiness only: the certificate is checked by the clients under test, not here.
    const socket = useTls ? tls.connect({ port, host: "127.0.0.1", rejectUnauthorized: false }) : net.connect({ port, host: "127.0.0.1" });
    socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
    socket.on("error", () => resolve(false));
    socket.on(useTls ? "secureConnect" : "connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => (socket.destroy(), resolve(/^(\+PONG|-NOAUTH)/.test(d.toString()))));
  });
}
