/** Pure lease logic (client-go leaderelection semantics). */
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}

export type LeaseDecision =
  | { readonly action: "acquire" | "renew"; readonly spec: LeaseSpec }
  | { readonly action: "wait"; readonly holder: string };

/**
 * Whether `identity` may take or keep the lease at `now`: free, expired, or
 * already ours -> write a new spec; held by another and fresh -> wait.
 */
export function decideLease(current: LeaseSpec | undefined, identity: string, now: Date, leaseDurationSeconds: number): LeaseDecision {
  const nowIso = microTime(now);
  const holder = current?.holderIdentity ?? "";
  const renew = current?.renewTime ? Date.parse(current.renewTime) : 0;
  const duration = (current?.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
  if (holder === identity) {
    return { action: "renew", spec: { ...current, holderIdentity: identity, leaseDurationSeconds, renewTime: nowIso } };
  }
  const expired = holder === "" || renew + duration < now.getTime();
  if (!expired) return { action: "wait", holder };
  return {
    action: "acquire",
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: nowIso,
      renewTime: nowIso,
      leaseTransitions: (current?.leaseTransitions ?? 0) + (holder === "" ? 0 : 1),
    },
  };
}

/** metav1.MicroTime wants exactly six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
