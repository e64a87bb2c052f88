/**
 * Cluster DNS and kube-proxy for the pods the runner runs, all on the host's
 * loopback: a Service whose selector selects a running pod resolves (in each
 * pod's /etc/hosts) to 127.0.0.1, and its ports lead to the process: directly
 * when port == targetPort, else through a loopback TCP proxy. A Service that
 * selects no running pod has no endpoints: its name does not resolve.
 * Services are reread every second and whenever a pod starts or stops.
 */
import { writeFileSync } from "node:fs";
import * as net from "node:net";
import { apiJson, type ApiCredentials } from "../cluster";
import { list, num, obj, str, UnsupportedField, type Obj } from "./fields";
import { resolvePort } from "./spec";

export interface Backend {
  readonly namespace: string;
  readonly podName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: ReadonlyMap<string, number>;
  /** This pod's /etc/hosts on the host, rewritten in place when Services or pods change. */
  readonly hostsFile: string;
}

interface ActiveService {
  readonly namespace: string;
  readonly name: string;
  /** Service port -> the process's port. */
  readonly ports: ReadonlyArray<{ name?: string; port: number; target: number }>;
}

interface Proxy {
  readonly target: number;
  readonly server: net.Server;
}

/** One per test cluster: its running backends and proxies. */
class Network {
  readonly backends = new Set<Backend>();
  private readonly proxies = new Map<number, Proxy>();
  active: ActiveService[] = [];
  /** The last failure of the periodic refresh (a Service the runner cannot emulate), for diagnosis. */
  lastError: string | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly admin: ApiCredentials) {
    // As kube-proxy and cluster DNS follow Services and endpoints, every second.
    this.timer = setInterval(() => {
      this.refresh().then(
        () => (this.lastError = undefined),
        (err: unknown) => (this.lastError = err instanceof Error ? err.message : String(err)),
      );
    }, 1000);
    this.timer.unref();
  }

  /** Rereads the Services, starts and stops proxies, rewrites every pod's /etc/hosts. */
  async refresh(): Promise<void> {
    const services = list((await apiJson<Obj>(this.admin, "GET", "/api/v1/services")).items);
    this.active = services.flatMap((s) => this.activeService(s));
    const wanted = new Map<number, number>();
    for (const s of this.active) {
      for (const p of s.ports) {
        if (p.port === p.target) continue;
        const other = wanted.get(p.port);
        if (other !== undefined && other !== p.target) throw new Error(`Service ${s.namespace}/${s.name} port ${p.port}: another Service maps the same port to ${other}; on one loopback a port leads to one process`);
        wanted.set(p.port, p.target);
      }
    }
    for (const [port, proxy] of this.proxies) {
      if (wanted.get(port) === proxy.target) continue;
      await new Promise<void>((r) => proxy.server.close(() => r()));
      this.proxies.delete(port);
    }
    for (const [port, target] of wanted) if (!this.proxies.has(port)) this.proxies.set(port, { target, server: await startProxy(port, target) });
    for (const b of this.backends) writeFileSync(b.hostsFile, this.hosts(b));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const proxy of this.proxies.values()) await new Promise<void>((r) => proxy.server.close(() => r()));
    this.proxies.clear();
  }

  /** The Service env vars the kubelet sets for a pod in `namespace` (only Services with endpoints here). */
  links(namespace: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const s of this.active.filter((a) => a.namespace === namespace)) {
      const prefix = s.name.toUpperCase().replace(/-/g, "_");
      const first = s.ports[0];
      if (!first) continue;
      env[`${prefix}_SERVICE_HOST`] = "127.0.0.1";
      env[`${prefix}_SERVICE_PORT`] = String(first.port);
      env[`${prefix}_PORT`] = `tcp://127.0.0.1:${first.port}`;
      for (const p of s.ports) {
        if (p.name) env[`${prefix}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, "_")}`] = String(p.port);
        const link = `${prefix}_PORT_${p.port}_TCP`;
        Object.assign(env, { [link]: `tcp://127.0.0.1:${p.port}`, [`${link}_PROTO`]: "tcp", [`${link}_PORT`]: String(p.port), [`${link}_ADDR`]: "127.0.0.1" });
      }
    }
    return env;
  }

  private activeService(s: Obj): ActiveService[] {
    const meta = obj(s.metadata);
    const spec = obj(s.spec);
    const selector = Object.entries(obj(spec.selector));
    const namespace = String(meta.namespace);
    const name = String(meta.name);
    if (selector.length === 0) return [];
    const backend = [...this.backends].find((b) => b.namespace === namespace && selector.every(([k, v]) => b.labels[k] === v));
    if (!backend) return [];
    const ports = list(spec.ports).map((p, i) => {
      const where = `Service ${namespace}/${name} spec.ports[${i}]`;
      if ((str(p.protocol) ?? "TCP") !== "TCP") throw new UnsupportedField(`${where}.protocol`, `only TCP is supported, got ${String(p.protocol)}`);
      const port = num(p.port)!;
      return { name: str(p.name), port, target: resolvePort(p.targetPort ?? port, backend.ports, `${where}.targetPort, selecting pod ${backend.podName}`) };
    });
    return [{ namespace, name, ports }];
  }

  private hosts(b: Backend): string {
    const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", `127.0.0.1\t${b.podName}`];
    lines.push("127.0.0.1\tkubernetes.default.svc.cluster.local kubernetes.default.svc kubernetes.default" + (b.namespace === "default" ? " kubernetes" : ""));
    for (const s of this.active) {
      const names = [`${s.name}.${s.namespace}.svc.cluster.local`, `${s.name}.${s.namespace}.svc`, `${s.name}.${s.namespace}`];
      if (s.namespace === b.namespace) names.push(s.name);
      lines.push(`127.0.0.1\t${names.join(" ")}`);
    }
    return `# Kubernetes-managed hosts file (test/deployed: cluster DNS for the Services with a running pod).\n${lines.join("\n")}\n`;
  }
}

const networks = new Map<string, Network>();

export function clusterNetwork(admin: ApiCredentials): Network {
  let n = networks.get(admin.server);
  if (!n) networks.set(admin.server, (n = new Network(admin)));
  return n;
}

/** Drops the cluster's network once no pod runs: closes its proxies. */
export async function releaseNetwork(admin: ApiCredentials): Promise<void> {
  const n = networks.get(admin.server);
  if (!n || n.backends.size > 0) return;
  networks.delete(admin.server);
  await n.close();
}

export function resolvConf(namespace: string): string {
  // Nothing listens on 127.0.0.1:53: a name not in /etc/hosts fails at once, and no query leaves the machine.
  return `search ${namespace}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5\n`;
}

function startProxy(port: number, target: number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(target, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end);
    upstream.on("error", end);
  });
  return new Promise((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`kube-proxy emulation: cannot listen on 127.0.0.1:${port} for a Service port: ${err.message}`)));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
