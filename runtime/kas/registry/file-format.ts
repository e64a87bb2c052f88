/**
 * The agent registry file as kas looks tokens up in it. The format (keys,
 * types, writer and parser) is runtime/common/deploy/registry-file.ts, which
 * infra writes the file with; this only turns its agents into lookup entries.
 */
import { parseRegistryYaml } from "../../common/deploy";
import type { TokenEntry } from "./tokens";
import type { AgentInfo } from "./types";

export { REGISTRY_FILE_MAX_BYTES } from "../../common/deploy";

export interface RegistryContents {
  readonly agents: readonly AgentInfo[];
  readonly entries: readonly TokenEntry[];
}

/** Throws InvalidRegistryFileError listing every problem. */
export function parseRegistryFile(input: string | Buffer, file: string): RegistryContents {
  const agents: AgentInfo[] = [];
  const entries: TokenEntry[] = [];
  for (const agent of parseRegistryYaml(input, file)) {
    const info: AgentInfo = { id: String(agent.id), name: agent.name, configProjectId: agent.configProject };
    agents.push(info);
    for (const token of agent.tokens) entries.push({ hash: Buffer.from(token.sha256, "hex"), agent: info, revoked: token.revoked ?? false });
  }
  return { agents, entries };
}
