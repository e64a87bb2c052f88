/**
 * `agentk --kas-address grpc://kas:8150 --token-file /etc/agentk/token`
 * `agentk generate --agent-token T --kas-address A --namespace N [--write-namespace dude ...] [--pod-security restricted|baseline|privileged]`
 * Only wiring lives here.
 */
import { readFileSync } from "node:fs";
import * as os from "node:os";
import { createLogger, F, logGrpcThroughLogger, logProcessWarnings, POD_SECURITY_LEVELS, type Level, type PodSecurityLevel } from "../common";
import { startAgent } from "./agent";
import { readCaCert } from "./connection";
import { last, parseFlags } from "./flags";
import { installObjects, renderYaml } from "./generate";
import { loadClusterAccess } from "./kube";

const RUN_FLAGS = ["kas-address", "token-file", "ca-cert-file", "observability-listen-address", "kubeconfig", "namespace", "pod-name", "leader-election", "log-level"];
const GENERATE_FLAGS = ["agent-token", "kas-address", "namespace", "write-namespace", "name", "image", "replicas", "pod-security"];

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv[0] === "generate") return generate(argv.slice(1));
  const { flags, errors } = parseFlags(argv, RUN_FLAGS);
  const kasAddress = last(flags, "kas-address");
  if (!kasAddress) errors.push("--kas-address is required (grpc://, grpcs://, ws:// or wss://)");
  const tokenFile = last(flags, "token-file");
  const token = tokenFile ? readFileSync(tokenFile, "utf8").trim() : env.AGENTK_TOKEN;
  // The token must not linger in the environment, where child processes and crash dumps would see it.
  delete env.AGENTK_TOKEN;
  if (!token) errors.push("an agent token is required: --token-file <file> or AGENTK_TOKEN");
  if (errors.length > 0) {
    process.stderr.write(`agentk: ${errors.join("\n  ")}\n`);
    return 2;
  }
  const logger = createLogger({ level: (last(flags, "log-level") ?? "info") as Level }, { component: "agentk" });
  logProcessWarnings(logger);
  logGrpcThroughLogger(logger, (last(flags, "log-level") ?? "info") as Level);
  const cluster = await loadClusterAccess({ kubeconfig: last(flags, "kubeconfig"), env });
  logger.info("Kubernetes API", { [F.url]: cluster.server.origin, [F.file]: cluster.source });
  const obs = last(flags, "observability-listen-address") ?? ":8080";
  const agent = await startAgent({
    kasAddress: kasAddress as string,
    token: token as string,
    caCert: readCaCert(last(flags, "ca-cert-file")),
    cluster,
    namespace: last(flags, "namespace") ?? env.POD_NAMESPACE ?? "gitlab-agent",
    podName: last(flags, "pod-name") ?? env.POD_NAME ?? os.hostname(),
    observabilityAddress: obs === "" || obs === "off" ? undefined : obs,
    leaderElection: last(flags, "leader-election") !== "false",
    logger,
  });
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  logger.info("agentk stopping");
  await agent.close();
  return 0;
}

function generate(argv: readonly string[]): number {
  const { flags, errors } = parseFlags(argv, GENERATE_FLAGS);
  for (const required of ["agent-token", "kas-address", "namespace"]) {
    if (!last(flags, required)) errors.push(`--${required} is required`);
  }
  const podSecurity = last(flags, "pod-security");
  if (podSecurity !== undefined && !(POD_SECURITY_LEVELS as readonly string[]).includes(podSecurity)) {
    errors.push(`--pod-security is ${JSON.stringify(podSecurity)}; expected one of ${POD_SECURITY_LEVELS.join(", ")}`);
  }
  if (errors.length > 0) {
    process.stderr.write(`agentk generate: ${errors.join("\n  ")}\n`);
    return 2;
  }
  const replicas = last(flags, "replicas");
  process.stdout.write(
    renderYaml(
      installObjects({
        agentToken: last(flags, "agent-token") as string,
        kasAddress: last(flags, "kas-address") as string,
        namespace: last(flags, "namespace") as string,
        writeNamespaces: flags.get("write-namespace") ?? [],
        name: last(flags, "name"),
        image: last(flags, "image"),
        replicas: replicas ? Number(replicas) : undefined,
        podSecurity: podSecurity as PodSecurityLevel | undefined,
      }),
    ),
  );
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`agentk: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
