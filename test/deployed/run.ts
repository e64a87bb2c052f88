/**
 * runDeployment: the Deployment's pod, run as a local process exactly as the
 * objects say (see README.md for what is emulated and what is not).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestCluster } from "../cluster";
import { containerEnv, expand } from "./env";
import { list, obj, onlyKeys, safePath, str, UnsupportedField } from "./fields";
import { containerArgv, localImage, type RunnerImage } from "./images";
import { releaseHostDirs, sandboxScript, type Mount } from "./mounts";
import { clusterNetwork, releaseNetwork, resolvConf, type Backend } from "./network";
import { deploymentPod } from "./pod";
import { startProbe, type Prober, type ProbeStatus } from "./probes";
import { checkPodSpec, containerPorts } from "./spec";
import { materialiseVolumes } from "./volumes";

export interface RunDeploymentOptions {
  readonly namespace: string;
  readonly name: string;
  /** The images the runner may start, by the exact reference the container names. */
  readonly images: Readonly<Record<string, RunnerImage>>;
  /**
   * Which of the newest ReplicaSet's pods to run (by name order), for a Deployment of
   * several replicas; without it the Deployment must have exactly one. Pods share the
   * host's ports: two pods of one Deployment cannot run at once.
   */
  readonly replica?: number;
  /** How long to wait for the controllers to create the pod. Default 60 s. */
  readonly podTimeoutMs?: number;
}

export interface DeployedProcess {
  readonly pod: { readonly namespace: string; readonly name: string };
  readonly pid: number;
  /** stdout and stderr lines so far, in arrival order. */
  readonly lines: readonly string[];
  /** Resolves with the first line (past or future) matching; rejects on timeout or exit, with the log tail. */
  waitForLine(match: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the readiness probe passes (at once without one); rejects with the probe's last error and the log tail. */
  waitReady(timeoutMs?: number): Promise<void>;
  readonly readiness: () => ProbeStatus | undefined;
  readonly liveness: () => ProbeStatus | undefined;
  /** Set once the process exited (code, signal), or liveness killed it (reason). */
  readonly exited: () => { code: number | null; signal: string | null; reason?: string } | undefined;
  /** SIGTERM, SIGKILL after the pod's grace period (at most graceMs); removes the temp dir with tokens and secrets. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: string | null }>;
}

export async function runDeployment(cluster: TestCluster, o: RunDeploymentOptions): Promise<DeployedProcess> {
  const pod = await deploymentPod(cluster.admin, o.namespace, o.name, o.podTimeoutMs ?? 60_000, o.replica);
  const meta = obj(pod.metadata);
  const podName = String(meta.name);
  const run = checkPodSpec(pod, (ref, where) => {
    const given = o.images[String(ref)];
    if (!given) throw new UnsupportedField(`${where}.image`, `image ${JSON.stringify(ref)} was not given to the runner (given: ${Object.keys(o.images).join(", ") || "none"})`);
    return localImage(given);
  });
  const { container, where, image } = run;
  const dir = mkdtempSync(path.join(os.tmpdir(), "deployed-pod-"));
  const network = clusterNetwork(cluster.admin);
  const ports = containerPorts(container);
  const backend: Backend = { namespace: o.namespace, podName, labels: obj(meta.labels) as Record<string, string>, ports, hostsFile: path.join(dir, "hosts") };
  let hostDirs: string[] = [];
  const cleanup = async (): Promise<void> => {
    network.backends.delete(backend);
    await network.refresh().catch(() => undefined);
    await releaseNetwork(cluster.admin);
    releaseHostDirs(hostDirs);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    network.backends.add(backend);
    writeFileSync(backend.hostsFile, "");
    await network.refresh();
    writeFileSync(path.join(dir, "resolv.conf"), resolvConf(o.namespace));
    const volumes = await materialiseVolumes({ admin: cluster.admin, pod, dir });
    const apiPort = new URL(cluster.server).port;
    const env = await containerEnv({
      admin: cluster.admin,
      pod,
      container,
      where,
      base: { ...image.env, HOSTNAME: podName, HOME: "/" },
      serviceLinks: {
        ...network.links(o.namespace),
        KUBERNETES_SERVICE_HOST: "127.0.0.1",
        KUBERNETES_SERVICE_PORT: apiPort,
        KUBERNETES_SERVICE_PORT_HTTPS: apiPort,
        KUBERNETES_PORT: `tcp://127.0.0.1:${apiPort}`,
      },
    });
    // $(VAR) expands in the container's command and args, not in the image's entrypoint.
    const expanded = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map((a) => expand(String(a), env)) : undefined);
    const argv = containerArgv(image, expanded(container.command), expanded(container.args));
    const mounts = volumeMounts(container, volumes, where);
    const imageMounts: Mount[] = Object.entries(image.files).map(([target, source]) => ({ target, source, readOnly: false, what: `the image's ${target}` }));
    const system: Mount[] = [
      { target: "/etc/hosts", source: backend.hostsFile, readOnly: false, what: "/etc/hosts" },
      { target: "/etc/resolv.conf", source: path.join(dir, "resolv.conf"), readOnly: false, what: "/etc/resolv.conf" },
    ];
    const setpriv = ["setpriv", `--reuid=${run.uid}`, `--regid=${run.gid}`, run.groups.length > 0 ? `--groups=${run.groups.join(",")}` : "--clear-groups"];
    if (run.noNewPrivs) setpriv.push("--no-new-privs");
    if (run.dropAllCaps) setpriv.push("--bounding-set=-all", "--inh-caps=-all");
    const sandbox = sandboxScript({
      mounts: [...system, ...mounts],
      imageMounts,
      readOnlyRoot: run.readOnlyRoot,
      stage: path.join(dir, "stage"),
      hostname: podName,
      workingDir: str(container.workingDir) ?? image.workingDir,
      setpriv,
    });
    hostDirs = sandbox.hostDirs;
    mkdirSync(path.join(dir, "stage"));
    return start({ dir, sandbox: sandbox.script, argv, env, run, ports, pod: { namespace: o.namespace, name: podName }, grace: Number(obj(pod.spec).terminationGracePeriodSeconds ?? 30) * 1000, cleanup });
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function volumeMounts(container: Record<string, unknown>, volumes: ReadonlyMap<string, string>, where: string): Mount[] {
  return list(container.volumeMounts).map((m, i) => {
    const at = `${where}.volumeMounts[${i}] (${String(m.name)})`;
    onlyKeys(m, at, ["name", "mountPath", "readOnly", "subPath", "mountPropagation"]);
    if (m.mountPropagation !== undefined && m.mountPropagation !== "None") throw new UnsupportedField(`${at}.mountPropagation`, "only None is supported");
    const source = volumes.get(String(m.name));
    if (source === undefined) throw new Error(`${at}: no volume named ${JSON.stringify(m.name)} in the pod`);
    const sub = str(m.subPath) ?? "";
    const resolved = path.resolve(source, sub);
    if (resolved !== source && !resolved.startsWith(`${source}/`)) throw new Error(`${at}.subPath ${JSON.stringify(sub)} leaves the volume`);
    return { target: safePath(String(m.mountPath), `${at}.mountPath`), source: resolved, readOnly: m.readOnly === true, what: at };
  });
}

interface StartArgs {
  readonly dir: string;
  readonly sandbox: string;
  readonly argv: readonly string[];
  readonly env: Record<string, string>;
  readonly run: ReturnType<typeof checkPodSpec>;
  readonly ports: ReadonlyMap<string, number>;
  readonly pod: { namespace: string; name: string };
  readonly grace: number;
  readonly cleanup: () => Promise<void>;
}

function start(a: StartArgs): DeployedProcess {
  const child = spawn("unshare", ["--mount", "--propagation", "private", "--uts", "--", "/bin/sh", "-ec", a.sandbox, "pod", ...a.argv], {
    env: a.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let exited: { code: number | null; signal: string | null; reason?: string } | undefined;
  let killReason: string | undefined;
  const notify = (): void => {
    for (const w of waiters) w();
  };
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      lines.push(...parts);
      notify();
    });
    stream.on("end", () => {
      if (partial) lines.push(partial);
      partial = "";
    });
  }
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("close", (code, signal) => {
      exited = { code, signal, ...(killReason ? { reason: killReason } : {}) };
      probers.forEach((p) => p.stop());
      resolve({ code, signal });
      notify();
    }),
  );
  const tail = (): string => lines.slice(-30).join("\n");
  const exitText = (): string => `${a.pod.namespace}/${a.pod.name} exited (code ${String(exited?.code)}, signal ${String(exited?.signal)}${exited?.reason ? `, ${exited.reason}` : ""})`;
  const probers: Prober[] = [];
  const probeOf = (kind: "readiness" | "liveness"): Prober | undefined => {
    const probe = a.run.container[`${kind}Probe`];
    if (probe === undefined) return undefined;
    const p = startProbe(kind, obj(probe), a.ports, `${a.run.where}.${kind}Probe`, (reason) => {
      killReason = reason;
      child.kill("SIGTERM");
    });
    probers.push(p);
    return p;
  };
  const readiness = probeOf("readiness");
  const liveness = probeOf("liveness");
  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> =>
    new Promise((resolve, reject) => {
      const done = (): boolean => {
        const v = check();
        if (v !== undefined) {
          finish();
          resolve(v);
          return true;
        }
        if (exited) {
          finish();
          reject(new Error(`${exitText()} while waiting for ${what()}; last lines:\n${tail()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${a.pod.namespace}/${a.pod.name}: no ${what()} in ${timeoutMs} ms; last lines:\n${tail()}`));
      }, timeoutMs);
      const poll = setInterval(() => void done(), 200);
      const finish = (): void => {
        clearTimeout(timer);
        clearInterval(poll);
        waiters.delete(listener);
      };
      const listener = (): void => void done();
      waiters.add(listener);
      done();
    });
  let stopping: Promise<{ code: number | null; signal: string | null }> | undefined;
  return {
    pod: a.pod,
    pid: child.pid ?? -1,
    lines,
    waitForLine: (match, timeoutMs = 30_000) =>
      waitFor(() => lines.find((l) => (typeof match === "string" ? l.includes(match) : match.test(l))), timeoutMs, () => `line matching ${String(match)}`),
    waitReady: (timeoutMs = 60_000) =>
      waitFor(() => (readiness === undefined || readiness.status().ok ? true : undefined), timeoutMs, () => `readiness (last probe error: ${readiness?.status().lastError ?? "none"})`).then(() => undefined),
    readiness: () => readiness?.status(),
    liveness: () => liveness?.status(),
    exited: () => exited,
    stop: (graceMs = a.grace) =>
      (stopping ??= (async () => {
        probers.forEach((p) => p.stop());
        if (!exited && child.pid) {
          process.kill(child.pid, "SIGTERM");
          const timer = setTimeout(() => child.pid && !exited && process.kill(child.pid, "SIGKILL"), Math.min(graceMs, a.grace));
          await exit;
          clearTimeout(timer);
        }
        await a.cleanup();
        return exit;
      })()),
  };
}
