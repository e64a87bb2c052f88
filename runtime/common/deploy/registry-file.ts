/**
 * kas's agent registry file, the side infra writes: its keys, its hash rule
 * and the writer. kas's parser (runtime/kas/registry/file-format.ts) reads
 * with these same keys and rule; the parser stays with kas's validation kit.
 *
 * ```yaml
 * agents:
 * - id: 1
 *   name: dude-agent
 *   config_project: dude/agent-config
 *   tokens:                       # several for rotation
 *   - sha256: <64 hex digits>     # tokenSha256(token)
 *     name: 2024-rotation         # optional label
 *     revoked: false              # optional
 *   token_sha256: [<64 hex>, ...] # shorthand: unnamed, active tokens
 * ```
 */
import { stringify } from "yaml";

export const REGISTRY_TOP_KEYS = ["agents"] as const;
export const REGISTRY_AGENT_KEYS = ["id", "name", "config_project", "tokens", "token_sha256"] as const;
export const REGISTRY_TOKEN_KEYS = ["sha256", "name", "revoked"] as const;
/** A token hash as the file holds it (either case; the writer writes lower case). */
export const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

export interface RegistryToken {
  /** Hex SHA-256 of the token, never the token. */
  readonly sha256: string;
  readonly name?: string;
  readonly revoked?: boolean;
}

export interface RegistryAgent {
  readonly id: number | string;
  readonly name: string;
  readonly configProject: string;
  readonly tokens: readonly RegistryToken[];
}

/**
 * kas's registry file (`agents: [{id, name, config_project, tokens: [{sha256}]}]`).
 * Throws on anything but a 64-digit hex hash where a hash belongs, without
 * echoing the value, so a token passed by mistake never lands in the file.
 *
 * `pulumi.all([reg.agentId, reg.tokenSha256]).apply(([id, sha256]) => registryYaml([{ id, name, configProject, tokens: [{ sha256 }] }]))`
 */
export function registryYaml(agents: readonly RegistryAgent[]): string {
  const rendered = agents.map((agent, i) => ({
    id: agent.id,
    name: agent.name,
    config_project: agent.configProject,
    tokens: agent.tokens.map((t, j) => {
      if (!SHA256_HEX.test(t.sha256)) {
        throw new Error(
          `registryYaml: agents[${i}] (${JSON.stringify(agent.name)}) tokens[${j}].sha256 is ${t.sha256.length} characters that are not a SHA-256 hash; expected 64 hexadecimal digits (tokenSha256(token)), never the token itself`,
        );
      }
      return { sha256: t.sha256.toLowerCase(), ...(t.name === undefined ? {} : { name: t.name }), ...(t.revoked === undefined ? {} : { revoked: t.revoked }) };
    }),
  }));
  return stringify({ agents: rendered });
}
