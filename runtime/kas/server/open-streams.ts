import { createHash } from "node:crypto";
import { F, type Logger } from "../../common";
import type { AgentIdentity } from "./access";
import { RpcError, unauthenticated } from "./errors";
import type { TokenAuthenticator } from "./ports";

interface OpenStream {
  readonly agent: AgentIdentity;
  /** Ends the stream with this status. */
  readonly end: (err: RpcError) => void;
}

/**
 * Every open stream by the token that opened it, so a revoked token loses its
 * streams too, not only its next call (issue 13, item 5). `recheck` asks the
 * registry about each distinct token once; a token that no longer
 * authenticates, or now names another agent, ends its streams with
 * UNAUTHENTICATED, and the agent must come back with a valid token.
 */
export class OpenStreams {
  private readonly byToken = new Map<string, { readonly token: string; readonly streams: Set<OpenStream> }>();
  private checking: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly registry: TokenAuthenticator,
    private readonly logger: Logger,
  ) {}

  /** Registers a stream; returns the function that forgets it (call when it ends). */
  add(token: string, agent: AgentIdentity, end: (err: RpcError) => void): () => void {
    const key = createHash("sha256").update(token).digest("hex");
    let entry = this.byToken.get(key);
    if (!entry) {
      entry = { token, streams: new Set() };
      this.byToken.set(key, entry);
    }
    const stream: OpenStream = { agent, end };
    const e = entry;
    e.streams.add(stream);
    return () => {
      e.streams.delete(stream);
      if (e.streams.size === 0 && this.byToken.get(key) === e) this.byToken.delete(key);
    };
  }

  get size(): number {
    let n = 0;
    for (const e of this.byToken.values()) n += e.streams.size;
    return n;
  }

  /** Re-authenticates every token with open streams; one pass at a time (a change during a pass runs one more). */
  recheck(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again);
    })().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async pass(): Promise<void> {
    for (const [key, entry] of [...this.byToken]) {
      let agent: AgentIdentity | undefined;
      try {
        agent = await this.registry.authenticate(entry.token);
      } catch (err) {
        // The registry cannot answer now (GitLab down): keep the streams; the next pass asks again.
        this.logger.warn("Cannot re-check an open stream's agent token; keeping its streams until the registry answers", { [F.error]: err });
        continue;
      }
      const streams = [...entry.streams];
      const revoked = streams.filter((s) => agent === undefined || agent.id !== s.agent.id);
      if (revoked.length === 0) continue;
      const first = revoked[0] as OpenStream;
      this.logger.warn("Agent token revoked: ending its open streams", {
        [F.agentId]: first.agent.id,
        [F.agentName]: first.agent.name,
        [F.count]: revoked.length,
      });
      for (const s of revoked) {
        entry.streams.delete(s);
        s.end(unauthenticated("agent token revoked: the streams it opened are closed; reconnect with a valid token"));
      }
      if (entry.streams.size === 0 && this.byToken.get(key) === entry) this.byToken.delete(key);
    }
  }
}
