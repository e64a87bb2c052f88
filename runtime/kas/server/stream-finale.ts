/**
 * How kas ends a response whose tunnel broke mid-body (the agent died or lost
 * kas), when the protocol has room to say why: a last message, sent only at a
 * message boundary (a half-sent message cannot be completed). Without one, or
 * off a boundary, the connection is cut.
 */
export interface Finale {
  /** Sees every chunk relayed to the client, in order. */
  track(chunk: Buffer): void;
  /** Whether the bytes relayed so far end on a message boundary. */
  atBoundary(): boolean;
  /** The last bytes to send, saying why (err: the tunnel's failure). */
  bytes(err: unknown): Buffer;
}

export function brokeBecause(what: string, err: unknown): string {
  return `kas: the ${what} broke: ${err instanceof Error ? err.message : String(err)} (the agent went away or lost its connection to kas)`;
}
