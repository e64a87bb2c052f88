/**
 * The agent registry file, as runtime/common/deploy/registry-file.ts writes it
 * (the keys and the hash rule come from there):
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
 * Messages never echo a string found in this file (it holds token hashes, and a
 * token pasted by mistake must not reach a log): they give its length only.
 */
import { summarizeErrors } from "../agentcfg";
import { Checker, DNS_LABEL, formatPath, isPlainObject, loadYaml, type KeyPath } from "../../common/config-kit";
import { REGISTRY_AGENT_KEYS, REGISTRY_TOKEN_KEYS, REGISTRY_TOP_KEYS, SHA256_HEX } from "../../common/deploy";
import type { TokenEntry } from "./tokens";
import { InvalidRegistryFileError, type AgentInfo } from "./types";

export interface RegistryContents {
  readonly agents: readonly AgentInfo[];
  readonly entries: readonly TokenEntry[];
}

/** Large enough for thousands of agents; a bigger file is a mistake. */
export const REGISTRY_FILE_MAX_BYTES = 4 * 1024 * 1024;

const SHA256_EXPECTED = "a SHA-256 hash of the token (64 hexadecimal digits), not the token itself";

/** Throws InvalidRegistryFileError listing every problem. */
export function parseRegistryFile(input: string | Buffer, file: string): RegistryContents {
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
  const agents: AgentInfo[] = [];
  const entries: TokenEntry[] = [];
  const agentIds = new Map<string, string>();
  const hashes = new Map<string, string>();

  const items = c.list(top.agents, ["agents"], "agents") ?? [];
  for (const { entry: agent, path } of c.entries(items, ["agents"], REGISTRY_AGENT_KEYS)) {
    const before = c.errors.length;
    for (const key of ["id", "name", "config_project"]) c.required(agent[key], [...path, key], `the agent's ${key}`);
    const id = agentId(agent.id, [...path, "id"], c);
    const name = c.string(agent.name, [...path, "name"], { pattern: DNS_LABEL, expected: "an agent name (lowercase letters, digits and '-')" });
    const project = c.string(agent.config_project, [...path, "config_project"], { nonEmpty: true, expected: "a project path such as group/project" });
    if (id !== undefined) {
      const first = agentIds.get(id);
      if (first !== undefined) c.error([...path, "id"], `found id ${JSON.stringify(id)} again; expected each agent once (first at ${first})`);
      else agentIds.set(id, formatPath(path));
    }
    const tokens = checkTokens(agent, path, c);
    if (c.errors.length > before || id === undefined || name === undefined || project === undefined) continue;
    const info: AgentInfo = { id, name, configProjectId: project };
    agents.push(info);
    for (const token of tokens) {
      const first = hashes.get(token.hash);
      if (first !== undefined) {
        c.error(token.path, `found a token hash already listed at ${first}; expected each token once`);
        continue;
      }
      hashes.set(token.hash, formatPath(token.path));
      entries.push({ hash: Buffer.from(token.hash, "hex"), agent: info, revoked: token.revoked });
    }
  }

  if (c.errors.length > 0) {
    // Capped like an agent config's: the error is logged whole, and a file of thousands of bad entries would make megabytes of it.
    const errors = summarizeErrors(c.errorsInSourceOrder());
    throw new InvalidRegistryFileError(file, errors, [...new Set(errors.map(keyOf))]);
  }
  return { agents, entries };
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

interface CheckedToken {
  readonly hash: string;
  readonly revoked: boolean;
  readonly path: KeyPath;
}

function checkTokens(agent: Record<string, unknown>, path: KeyPath, c: Checker): CheckedToken[] {
  const out: CheckedToken[] = [];
  const tokens = c.list(agent.tokens, [...path, "tokens"], "{sha256, name?, revoked?} entries") ?? [];
  for (const { entry: token, path: tokenPath } of c.entries(tokens, [...path, "tokens"], REGISTRY_TOKEN_KEYS)) {
    const hashPath = [...tokenPath, "sha256"];
    if (!c.required(token.sha256, hashPath, SHA256_EXPECTED)) continue;
    const hash = c.string(token.sha256, hashPath, { pattern: SHA256_HEX, expected: SHA256_EXPECTED, secret: true });
    c.string(token.name, [...tokenPath, "name"]);
    const revoked = c.boolean(token.revoked, [...tokenPath, "revoked"]) ?? false;
    if (hash !== undefined) out.push({ hash: hash.toLowerCase(), revoked, path: hashPath });
  }
  const shorthand = c.strings(agent.token_sha256, [...path, "token_sha256"], { pattern: SHA256_HEX, expected: SHA256_EXPECTED, secret: true });
  shorthand?.forEach((hash, j) => out.push({ hash: hash.toLowerCase(), revoked: false, path: [...path, "token_sha256", j] }));
  return out;
}
