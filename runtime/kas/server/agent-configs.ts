/**
 * Agent config files as the configuration service needs them: which blob a
 * commit holds for an agent (so an unchanged file is not sent again), and the
 * parsed config of a blob, parsed once however many streams ask for it.
 */
import * as grpc from "@grpc/grpc-js";
import { Lru } from "../../common";
import { LIMITS } from "../../rpc";
import type { AgentConfigParser, AgentConfigParseResult } from "./context";
import { toStatus } from "./errors";
import type { GitReader } from "./ports";

/** The "blob" of an agent that has no config file: GitLab's defaults apply. Never a blob id. */
export const NO_FILE = "none";
/** Parse results kept (a result is a few KiB at most). */
const PARSED_ENTRIES = 1000;

/** The agent's config file at a commit: its blob (or NO_FILE), or the error event to send when it cannot be read. */
export type ConfigFile = { readonly blob: string } | { readonly unreadable: AgentConfigParseResult & { readonly ok: false } };

export class AgentConfigs {
  private readonly parsed = new Lru<string, AgentConfigParseResult>(PARSED_ENTRIES);
  /** Loads in progress: streams asking for one file at once share a read and a parse (a 128 KiB file of errors takes ~0.5 s). */
  private readonly loading = new Map<string, Promise<AgentConfigParseResult>>();

  constructor(
    private readonly git: GitReader,
    private readonly parse: AgentConfigParser,
  ) {}

  /** Where `file` of `projectId` stands at `commit`. Throws only when the source is unavailable (an error with status UNAVAILABLE). */
  async at(projectId: string, commit: string, file: string): Promise<ConfigFile> {
    try {
      return { blob: (await this.git.fileOid(projectId, commit, file)) ?? NO_FILE };
    } catch (err) {
      return { unreadable: unreadable(err) };
    }
  }

  /**
   * The config in `blob` (from at()), found at `file`. Parsed once per blob,
   * project and file; a valid result without warnings names no file, so it is
   * shared by every agent whose file is the same. A blob that cannot be read
   * (over 128 KiB, say) is an error result, not kept. Throws like at().
   */
  load(projectId: string, blob: string, file: string): Promise<AgentConfigParseResult> {
    const shared = `${blob}\0${projectId}`;
    const own = `${shared}\0${file}`;
    const known = this.parsed.get(shared) ?? this.parsed.get(own);
    if (known !== undefined) return Promise.resolve(known);
    let pending = this.loading.get(own);
    if (pending === undefined) {
      pending = this.read(projectId, blob, file, shared, own).finally(() => this.loading.delete(own));
      this.loading.set(own, pending);
    }
    return pending;
  }

  private async read(projectId: string, blob: string, file: string, shared: string, own: string): Promise<AgentConfigParseResult> {
    let data: Buffer;
    try {
      data = blob === NO_FILE ? Buffer.alloc(0) : await this.git.readBlob(projectId, blob, file, LIMITS.configFileBytes);
    } catch (err) {
      return unreadable(err);
    }
    const result = await this.parse(data, { file: `${projectId}:${file}`, configProjectId: projectId });
    this.parsed.set(result.ok && result.warnings.length === 0 ? shared : own, result);
    return result;
  }
}

/** A read error as the error event the agent gets; an unavailable source is thrown on (the watcher will try again). */
function unreadable(err: unknown): AgentConfigParseResult & { readonly ok: false } {
  if (toStatus(err).code === grpc.status.UNAVAILABLE) throw err;
  return { ok: false, error: err instanceof Error ? err.message : String(err) };
}
