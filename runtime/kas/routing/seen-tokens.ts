/**
 * The ids (jti) of the private API tokens this replica accepted, each kept
 * until its token expires: a token used twice is a replay. Bounded: tokens
 * live 30 s and only a holder of the secret can mint one, so the set holds a
 * replica's calls of the last 30 s, at most MAX_SEEN_TOKENS (then calls are
 * refused until older ids expire, rather than memory growing).
 */
export const MAX_SEEN_TOKENS = 200_000;

export class SeenTokens {
  /** jti -> expiry (ms); insertion order is close to expiry order (every token lives 30 s). */
  private readonly seen = new Map<string, number>();

  constructor(private readonly max: number = MAX_SEEN_TOKENS) {}

  /** Records `jti`; the reason to refuse when it was used before or the set is full, else undefined. */
  use(jti: string, expiresAtMs: number, nowMs: number): string | undefined {
    this.purge(nowMs);
    if (this.seen.has(jti)) return "the token was already used (replayed)";
    if (this.seen.size >= this.max) return `more than ${this.max} calls within a token's lifetime; try again`;
    this.seen.set(jti, expiresAtMs);
    return undefined;
  }

  get size(): number {
    return this.seen.size;
  }

  private purge(nowMs: number): void {
    for (const [jti, exp] of this.seen) {
      if (exp > nowMs) return;
      this.seen.delete(jti);
    }
  }
}
