/** Exponential backoff with full jitter; defaults are agentk's reconnect policy (NOTES.md). */
export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly factor?: number;
  /** 0..1: the fraction of each delay that is randomized. Default 0.1 (GitLab's jitter). */
  readonly jitter?: number;
  readonly random?: () => number;
}

export const RECONNECT_BACKOFF: Required<Omit<BackoffOptions, "random">> = {
  initialMs: 10_000,
  maxMs: 300_000,
  factor: 2,
  jitter: 0.1,
};

export interface Backoff {
  /** The delay before the next attempt; grows on each call. */
  next(): number;
  reset(): void;
  readonly attempt: number;
}

export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initial = options.initialMs ?? RECONNECT_BACKOFF.initialMs;
  const max = options.maxMs ?? RECONNECT_BACKOFF.maxMs;
  const factor = options.factor ?? RECONNECT_BACKOFF.factor;
  const jitter = options.jitter ?? RECONNECT_BACKOFF.jitter;
  const random = options.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const base = Math.min(max, initial * factor ** attempt);
      attempt++;
      return Math.round(base * (1 - jitter + jitter * random()));
    },
    reset() {
      attempt = 0;
    },
    get attempt() {
      return attempt;
    },
  };
}

/** setTimeout as a promise that an AbortSignal can cut short (resolves false when aborted). */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
