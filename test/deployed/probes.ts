/** httpGet and tcpSocket liveness and readiness probes, polled as a kubelet does, with the objects' timings and thresholds. */
import * as net from "node:net";
import { num, obj, onlyKeys, onlyValues, str, type Obj } from "./fields";
import { resolvePort } from "./spec";

export interface ProbeStatus {
  /** Readiness: passed successThreshold times in a row. Liveness: not failed failureThreshold times in a row. */
  readonly ok: boolean;
  readonly lastError?: string;
  readonly attempts: number;
}

export interface Prober {
  readonly status: () => ProbeStatus;
  stop(): void;
}

/** Starts polling; `onFailed` is called once when a liveness probe fails failureThreshold times. */
export function startProbe(kind: "readiness" | "liveness", probe: Obj, ports: ReadonlyMap<string, number>, where: string, onFailed: (reason: string) => void): Prober {
  onlyKeys(probe, where, ["httpGet", "tcpSocket", "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold", "terminationGracePeriodSeconds"]);
  const check = probeCheck(probe, ports, where);
  const period = (num(probe.periodSeconds) ?? 10) * 1000;
  const timeout = (num(probe.timeoutSeconds) ?? 1) * 1000;
  const success = num(probe.successThreshold) ?? 1;
  const failure = num(probe.failureThreshold) ?? 3;
  let state: ProbeStatus = { ok: kind === "liveness", attempts: 0 };
  let streak = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const once = async (): Promise<void> => {
    const error = await check(timeout);
    if (stopped) return;
    const passed = error === undefined;
    streak = passed === (state.lastError === undefined && state.attempts > 0) ? streak + 1 : 1;
    const attempts = state.attempts + 1;
    if (kind === "readiness") state = { ok: passed ? state.ok || streak >= success : !(streak >= failure) && state.ok, lastError: error, attempts };
    else {
      state = { ok: passed || streak < failure, lastError: error, attempts };
      if (!state.ok) {
        onFailed(`${kind} probe failed ${streak} times: ${error ?? ""}`);
        stopped = true;
        return;
      }
    }
  };
  const loop = (): void => {
    timer = setTimeout(() => {
      void once().then(() => {
        if (!stopped) loop();
      });
    }, state.attempts === 0 ? (num(probe.initialDelaySeconds) ?? 0) * 1000 : period);
  };
  loop();
  return {
    status: () => state,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** One attempt of the probe's handler: undefined when it passed, else why not. */
type Check = (timeoutMs: number) => Promise<string | undefined>;

function probeCheck(probe: Obj, ports: ReadonlyMap<string, number>, where: string): Check {
  if ((probe.httpGet === undefined) === (probe.tcpSocket === undefined)) throw new Error(`${where}: exactly one of httpGet and tcpSocket (the runner supports no other handler)`);
  if (probe.tcpSocket !== undefined) {
    const tcp = obj(probe.tcpSocket);
    onlyKeys(tcp, `${where}.tcpSocket`, ["port"]);
    const port = resolvePort(tcp.port, ports, `${where}.tcpSocket.port`);
    // The kubelet opens a connection and closes it: success is the connection.
    return (timeoutMs) =>
      new Promise((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port });
        const done = (error: string | undefined): void => (socket.destroy(), resolve(error));
        socket.setTimeout(timeoutMs, () => done(`tcp 127.0.0.1:${port}: no connection in ${timeoutMs} ms`));
        socket.on("connect", () => done(undefined));
        socket.on("error", (err) => done(`tcp 127.0.0.1:${port}: ${err.message}`));
      });
  }
  const get = obj(probe.httpGet);
  onlyKeys(get, `${where}.httpGet`, ["path", "port", "scheme", "httpHeaders"]);
  onlyValues(get, `${where}.httpGet`, "scheme", ["HTTP"]);
  const port = resolvePort(get.port, ports, `${where}.httpGet.port`);
  const url = `http://127.0.0.1:${port}${str(get.path) ?? "/"}`;
  const headers = Object.fromEntries(((get.httpHeaders ?? []) as { name: string; value: string }[]).map((h) => [h.name, h.value]));
  // The kubelet counts 200-399 as success, anything else (or no answer in time) as failure.
  return (timeoutMs) =>
    fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: "manual" }).then(
      async (r) => (r.status >= 200 && r.status < 400 ? undefined : `HTTP ${r.status} from ${url}: ${(await r.text()).slice(0, 200)}`),
      (err: unknown) => `${url}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`,
    );
}
