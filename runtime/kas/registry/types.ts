/** Who is this token? The kas side of agent authentication. */

export interface AgentInfo {
  /** GitLab's agent id (a number written as a string) or the file registry's id. */
  readonly id: string;
  readonly name: string;
  /** Full path of the project holding `.gitlab/agents/<name>/config.yaml`, e.g. `group/agent-config`. */
  readonly configProjectId: string;
}

export interface AgentRegistry {
  /**
   * The agent the token belongs to, or `undefined` for an unknown or revoked token.
   * Throws RegistryUnavailableError when the answer cannot be known (GitLab down, ...).
   */
  authenticate(token: string): Promise<AgentInfo | undefined>;
  /** Every registered agent, when the registry can list them (the file registry); GitLab's internal API cannot, so undefined there. */
  readonly agents?: readonly AgentInfo[];
  /** Calls `listener` after the contents changed (file registry reloads); returns the function that stops it. */
  onChange?(listener: () => void): () => void;
  /** For registries that cannot tell of a change: how often open streams' tokens are asked again. */
  readonly recheckIntervalMs?: number;
  /** Stops watchers and timers. */
  close(): void;
}

/** The registry cannot answer now (an infrastructure failure); the server maps it to gRPC UNAVAILABLE. */
export class RegistryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RegistryUnavailableError";
  }
}

/** The registry file is not valid: its class lives with the file's format. */
export { InvalidRegistryFileError } from "../../common/deploy";
