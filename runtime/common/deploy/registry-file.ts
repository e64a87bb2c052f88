/**
 * kas's agent registry file, both sides in one place: its keys, its types,
 * the writer infra renders it with and the parser kas reads it with (pure; the
 * config kit gives errors their file:line).
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
 *
 * The parser's messages never echo a string found in the file (it holds token
 * hashes, and a token pasted by mistake must not reach a log): they give its
 * length only.
 */
import { stringify } from "yaml";
import { Checker, DNS_LABEL, formatPath, isPlainObject, loadYaml, summarizeErrors, type KeyPath } from "../config-kit";

export const REGISTRY_TOP_KEYS = ["agents"] as const;
export const REGISTRY_AGENT_KEYS = ["id", "name", "config_project", "tokens", "token_sha256"] as const;
export const REGISTRY_TOKEN_KEYS = ["sha256", "name", "revoked"] as const;
/** A token hash as the file holds it (either case; the writer writes lower case). */
export const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
/** Large enough for thousands of agents; a bigger file is a mistake. */
export const REGISTRY_FILE_MAX_BYTES = 4 * 1024 * 1024;

export interface RegistryToken {
  /** Hex SHA-256 of the token, never the token. */
  readonly sha256: string;
  readonly name?: string;
  readonly revoked?: boolean;
}

export interface RegistryAgent {
  /** The writer takes a number or a string; the parser gives a string. */
  readonly id: number | string;
  readonly name: string;
  readonly configProject: string;
  readonly tokens: readonly RegistryToken[];
}

/** The registry file is not valid; the message lists every problem (file, line, key, found, expected). */
export class InvalidRegistryFileError extends Error {
  constructor(
    readonly file: string,
    readonly errors: readonly string[],
    /** Key paths of the problems, for a log field. */
    readonly keys: readonly string[],
  ) {
    super(errors.join("\n"));
    this.name = "InvalidRegistryFileError";
  }
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

const SHA256_EXPECTED = "a SHA-256 hash of the token (64 hexadecimal digits), not the token itself";

/**
 * The agents of a registry file: ids as strings, hashes in lower case, the
 * `token_sha256` shorthand as unnamed tokens after the `tokens` list. Throws
 * InvalidRegistryFileError listing every problem (an agent or a token hash
 * twice included).
 */
export function parseRegistryYaml(input: string | Buffer, file: string): RegistryAgent[] {
  const loaded = loadYaml(input, file, { maxBytes: REGISTRY_FILE_MAX_BYTES });
  if (!loaded.ok) throw new InvalidRegistryFileError(file, summarizeErrors(loaded.errors), ["(file)"]);
  const c = new Checker(file, { locate: loaded.locate, redact: true });
  // An empty file, or one cut off right after `agents:`, is what a writer that
  // does not rename over leaves behind mid-write: taken as "no agents", it locked
  // every agent out. `agents: []` is how a registry says it has none.
  if (loaded.value === null || loaded.value === undefined) c.error([], "found an empty file; expected a mapping with key agents (write `agents: []` for no agents)");
  else if (!isPlainObject(loaded.value)) c.error([], "found something other than a mapping; expected a mapping with key agents");
  const top = c.mapping(loaded.value, [], REGISTRY_TOP_KEYS) ?? {};
  if (isPlainObject(loaded.value) && (top.agents === undefined || top.agents === null)) {
    c.error(["agents"], "found nothing; expected a list of agents (write `agents: []` for no agents)");
  }
  const agents: RegistryAgent[] = [];
  const agentIds = new Map<string, string>();
  const hashes = new Map<string, string>();

  const items = c.list(top.agents, ["agents"], "agents") ?? [];
  for (const { entry: agent, path } of c.entries(items, ["agents"], REGISTRY_AGENT_KEYS)) {
    const before = c.errors.length;
    for (const key of ["id", "name", "config_project"]) c.required(agent[key], [...path, key], `the agent's ${key}`);
    const id = agentId(agent.id, [...path, "id"], c);
    const name = c.string(agent.name, [...path, "name"], { pattern: DNS_LABEL, expected: "an agent name (lowercase letters, digits and '-')" });
    const configProject = c.string(agent.config_project, [...path, "config_project"], { nonEmpty: true, expected: "a project path such as group/project" });
    if (id !== undefined) {
      const first = agentIds.get(id);
      if (first !== undefined) c.error([...path, "id"], `found id ${JSON.stringify(id)} again; expected each agent once (first at ${first})`);
      else agentIds.set(id, formatPath(path));
    }
    const tokens = checkTokens(agent, path, c);
    if (c.errors.length > before || id === undefined || name === undefined || configProject === undefined) continue;
    const kept: RegistryToken[] = [];
    for (const { path: tokenPath, token } of tokens) {
      const first = hashes.get(token.sha256);
      if (first !== undefined) {
        c.error(tokenPath, `found a token hash already listed at ${first}; expected each token once`);
        continue;
      }
      hashes.set(token.sha256, formatPath(tokenPath));
      kept.push(token);
    }
    agents.push({ id, name, configProject, tokens: kept });
  }

  if (c.errors.length > 0) {
    // Capped like an agent config's: the error is logged whole, and a file of thousands of bad entries would make megabytes of it.
    const errors = summarizeErrors(c.errorsInSourceOrder());
    throw new InvalidRegistryFileError(file, errors, [...new Set(errors.map(keyOf))]);
  }
  return agents;
}

/** The key path of an error line `file:line: key.path: message`. */
function keyOf(error: string): string {
  const match = /^[^:]*(?::\d+)?: ([^:]+): /.exec(error);
  return match?.[1] ?? "(top level)";
}

function agentId(value: unknown, path: KeyPath, c: Checker): string | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === "number") {
    c.mismatch(path, value, "a non-negative integer or a string");
    return undefined;
  }
  return c.string(value, path, { nonEmpty: true, expected: "a non-negative integer or a string" });
}

/** An agent's tokens, each with the path of its hash (for the duplicate check). */
function checkTokens(agent: Record<string, unknown>, path: KeyPath, c: Checker): { token: RegistryToken; path: KeyPath }[] {
  const out: { token: RegistryToken; path: KeyPath }[] = [];
  const tokens = c.list(agent.tokens, [...path, "tokens"], "{sha256, name?, revoked?} entries") ?? [];
  for (const { entry: token, path: tokenPath } of c.entries(tokens, [...path, "tokens"], REGISTRY_TOKEN_KEYS)) {
    const hashPath = [...tokenPath, "sha256"];
    if (!c.required(token.sha256, hashPath, SHA256_EXPECTED)) continue;
    const hash = c.string(token.sha256, hashPath, { pattern: SHA256_HEX, expected: SHA256_EXPECTED, secret: true });
    const name = c.string(token.name, [...tokenPath, "name"]);
    const revoked = c.boolean(token.revoked, [...tokenPath, "revoked"]);
    if (hash === undefined) continue;
    out.push({ path: hashPath, token: { sha256: hash.toLowerCase(), ...(name === undefined ? {} : { name }), ...(revoked === undefined ? {} : { revoked }) } });
  }
  const shorthand = c.strings(agent.token_sha256, [...path, "token_sha256"], { pattern: SHA256_HEX, expected: SHA256_EXPECTED, secret: true });
  shorthand?.forEach((hash, j) => out.push({ path: [...path, "token_sha256", j], token: { sha256: hash.toLowerCase() } }));
  return out;
}
