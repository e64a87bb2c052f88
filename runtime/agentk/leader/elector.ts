import { F, rateLimitedLog, sleep, type Level, type LogFields, type Logger } from "../../common";
import { isConflict, isNotFound, KubeApiError, type KubeClient } from "../kube";
import { decideLease, type LeaseSpec } from "./decide";

/** GitLab agentk's timings (NOTES.md): lease 15 s, renew deadline 10 s, retry 2 s. */
export const LEADER_ELECTION_DEFAULTS = { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/**
 * Why this replica does not lead, at most 3 lines a minute: the reason is
 * logged when it changes, but while the apiserver is down or flapping it
 * changes at every retry (reset, 503, refused...), every 2 s.
 */
const PROBLEM_LOG = { perWindow: 3, windowMs: 60_000 };

export interface LeaderElectionOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  /** Lease name: `<serviceAccount>-lock`, else `agent-<id>-lock` as GitLab's (runtime/agentk/self.ts). */
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

type Attempt = { readonly ok: true } | { readonly ok: false; readonly holder: string | undefined; readonly reason: string };

/** A failed Lease request in words; a 403 names the Role that should allow it, since that is what an admin must fix. */
function requestFailure(err: unknown, namespace: string, name: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof KubeApiError && err.status === 403) {
    return `forbidden to get or update Lease ${namespace}/${name} (${message}); the agent's Role (infra/rbac, agentk generate) grants exactly that Lease, created up front`;
  }
  return `request for Lease ${namespace}/${name} failed: ${message}`;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/**
 * Runs until `signal` aborts: tries to acquire the Lease every retry period,
 * renews it while leading, and aborts the leader's signal at once when
 * another identity holds a fresh Lease, or when it cannot renew within the
 * renew deadline (another replica may then take over). Why it does not lead
 * (the holder, a conflict, a 403) is logged once per change, so a replica
 * that stops syncing always says why.
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

  /** One attempt: true when we hold the Lease now, else who holds it and why we could not write. */
  const tryOnce = async (): Promise<Attempt> => {
    let lease: Lease | undefined;
    try {
      lease = await opts.client.request<Lease>("GET", `${path}/${opts.name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const decision = decideLease(lease?.spec, opts.identity, now(), duration);
    if (decision.action === "wait") return { ok: false, holder: decision.holder, reason: `the Lease is held by ${decision.holder}` };
    const body: Lease = { metadata: { name: opts.name, namespace: opts.namespace, resourceVersion: lease?.metadata.resourceVersion }, spec: decision.spec };
    try {
      // resourceVersion makes the write conditional: two replicas cannot both win.
      if (lease) await opts.client.request("PUT", `${path}/${opts.name}`, { body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", ...body } });
      else await opts.client.request("POST", path, { body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", ...body } });
    } catch (err) {
      const holder = lease?.spec?.holderIdentity ?? "";
      if (isConflict(err)) return { ok: false, holder, reason: "another writer changed the Lease first (conflict)" };
      throw err;
    }
    return { ok: true };
  };

  let lastProblem = "";
  const problemLogs = new Map<string, (fields?: LogFields) => void>();
  const logProblem = (level: Level, msg: string, fields: LogFields): void => {
    const key = `${level} ${msg}`;
    let write = problemLogs.get(key);
    if (write === undefined) problemLogs.set(key, (write = rateLimitedLog(log, level, msg, PROBLEM_LOG)));
    write(fields);
  };
  while (!opts.signal.aborted) {
    let attempt: Attempt;
    try {
      attempt = await tryOnce();
    } catch (err) {
      attempt = { ok: false, holder: undefined, reason: requestFailure(err, opts.namespace, opts.name) };
    }
    if (attempt.ok) {
      lastRenew = Date.now();
      lastProblem = "";
      if (!leading) {
        leading = new AbortController();
        log.info("Became leader", { [F.identity]: opts.identity });
        opts.onStartedLeading(leading.signal);
      }
    } else {
      // Said once per change, not every retry period: a victim must see who holds its Lease, and why it cannot write.
      const takenFromUs = leading !== undefined && attempt.holder !== undefined && attempt.holder !== "" && attempt.holder !== opts.identity;
      if (attempt.reason !== lastProblem) {
        const level = leading || attempt.holder === undefined ? "error" : "info";
        logProblem(level, leading ? "Cannot renew the leader Lease" : "Not leader", { [F.identity]: opts.identity, [F.holder]: attempt.holder, [F.reason]: attempt.reason });
        lastProblem = attempt.reason;
      }
      if (leading && (takenFromUs || Date.now() - lastRenew > deadline)) {
        // Another holder in a fresh Lease means it leads now: stop at once rather than run two leaders until the deadline.
        log.error("Lost leadership: stopped syncing", { [F.identity]: opts.identity, [F.holder]: attempt.holder, [F.reason]: takenFromUs ? attempt.reason : `could not renew within ${deadline} ms: ${attempt.reason}` });
        leading.abort();
        leading = undefined;
      }
    }
    await sleep(retry, opts.signal);
  }
  leading?.abort();
}
