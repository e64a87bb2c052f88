/**
 * KWOK's kubelet-side server for `kubectl logs`, `exec` and `port-forward`
 * on fake pods (opt-in, TestClusterOptions.kubeletServer): every pod's every
 * container logs the lines of one file (followed, so `logs -f` streams what
 * is appended), runs exec'd commands locally on this machine, and forwards
 * every port to one loopback port a test may listen on. The fake
 * node advertises 127.0.0.1:<kwok port> as its kubelet, served over TLS with
 * the apiserver's own certificate (the apiserver does not verify kubelets
 * without --kubelet-certificate-authority, and KWOK does not check clients).
 */
import * as path from "node:path";

export interface KubeletServerSetup {
  /** Appended to KWOK's --config (multi-document YAML). */
  readonly config: string;
  readonly kwokArgs: readonly string[];
  readonly apiserverArgs: readonly string[];
}

export function kubeletServerSetup(pki: string, kwokPort: number, logsFile: string, forwardPort: number): KubeletServerSetup {
  const config = [
    "apiVersion: kwok.x-k8s.io/v1alpha1",
    "kind: ClusterLogs",
    "metadata:",
    "  name: test-cluster-logs",
    "spec:",
    "  logs:",
    `  - logsFile: ${JSON.stringify(logsFile)}`,
    "    follow: true",
    "---",
    "apiVersion: kwok.x-k8s.io/v1alpha1",
    "kind: ClusterExec",
    "metadata:",
    "  name: test-cluster-exec",
    "spec:",
    "  execs:",
    "  - local: {}",
    "---",
    "apiVersion: kwok.x-k8s.io/v1alpha1",
    "kind: ClusterPortForward",
    "metadata:",
    "  name: test-cluster-port-forward",
    "spec:",
    "  forwards:",
    "  - target:",
    `      port: ${forwardPort}`,
    "      address: 127.0.0.1",
  ].join("\n");
  return {
    config,
    kwokArgs: [
      "--node-ip=127.0.0.1",
      `--node-port=${kwokPort}`,
      `--tls-cert-file=${path.join(pki, "apiserver.crt")}`,
      `--tls-private-key-file=${path.join(pki, "apiserver.key")}`,
    ],
    apiserverArgs: ["--kubelet-preferred-address-types=InternalIP"],
  };
}

/** Lines in the CRI log format KWOK parses (what a kubelet keeps on disk), as stdout. */
export function criLogLines(lines: readonly string[], at = new Date()): string {
  return lines.map((l) => `${at.toISOString()} stdout F ${l}\n`).join("");
}
