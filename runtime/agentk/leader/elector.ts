import { F, sleep, type Logger } from "../../common";
import { isConflict, isNotFound, type KubeClient } from "../kube";
import { decideLease, type LeaseSpec } from "./decide";

/** GitLab agentk's timings (NOTES.md): lease 15 s, renew deadline 10 s, retry 2 s. */
export const LEADER_ELECTION_DEFAULTS = { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export interface LeaderElectionOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  /** Lease name, `agent-<id>-lock` as GitLab's. */
  readonly name: string;
  /** Unique per replica (pod name + random suffix). */
  readonly identity: string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly leaseDurationSeconds?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly now?: () => Date;
  /** Called when this replica becomes leader; the signal aborts when leadership is lost. */
  readonly onStartedLeading: (lost: AbortSignal) => void;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/**
 * Runs until `signal` aborts: tries to acquire the Lease every retry period,
 * renews it while leading, and aborts the leader's signal if it cannot renew
 * within the renew deadline (another replica may then take over).
 */
export async function runLeaderElection(opts: LeaderElectionOptions): Promise<void> {
  const duration = opts.leaseDurationSeconds ?? LEADER_ELECTION_DEFAULTS.leaseDurationSeconds;
  const retry = opts.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs;
  const deadline = opts.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs;
  const now = opts.now ?? (() => new Date());
  const path = `/apis/coordination.k8s.io/v1/namespaces/${opts.namespace}/leases`;
  const log = opts.logger.with({ [F.name]: opts.name, [F.namespace]: opts.namespace });
  let leading: AbortController | undefined;
  let lastRenew = 0;

  const tryOnce = async (): Promise<boolean> => {
    let lease: Lease | undefined;
    try {
      lease = await opts.client.request<Lease>("GET", `${path}/${opts.name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const decision = decideLease(lease?.spec, opts.identity, now(), duration);
    if (decision.action === "wait") return false;
    const body: Lease = { metadata: { name: opts.name, namespace: opts.namespace, resourceVersion: lease?.metadata.resourceVersion }, spec: decision.spec };
    try {
      // resourceVersion makes the write conditional: two replicas cannot both win.
      if (lease) await opts.client.request("PUT", `${path}/${opts.name}`, { body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", ...body } });
      else await opts.client.request("POST", path, { body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", ...body } });
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
    return true;
  };

  while (!opts.signal.aborted) {
    let ok = false;
    try {
      ok = await tryOnce();
    } catch (err) {
      log.warn("Leader election request failed", { [F.error]: err });
    }
    if (ok) {
      lastRenew = Date.now();
      if (!leading) {
        leading = new AbortController();
        log.info("Became leader", { [F.name]: opts.identity });
        opts.onStartedLeading(leading.signal);
      }
    } else if (leading && Date.now() - lastRenew > deadline) {
      log.warn("Lost leadership: could not renew the lease in time");
      leading.abort();
      leading = undefined;
    }
    await sleep(retry, opts.signal);
  }
  leading?.abort();
}
