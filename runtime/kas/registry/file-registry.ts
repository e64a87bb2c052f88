/**
 * The default agent registry: a YAML file of agents and SHA-256 token hashes
 * (see file-format.ts), reloaded when it changes.
 *
 * Change detection, in three layers: fs.watch on the file's directory (also
 * sees Kubernetes Secret volumes, which swap a `..data` symlink), a periodic
 * stat as a fallback where watching is blind (network file systems), both
 * debounced; and a stat on every authenticate, so a revoked or removed token is
 * refused at the very next call after the file changed, not after a debounce.
 * An invalid file keeps the last good registry and logs the problem once.
 */
import { readFileSync, statSync, watch, type FSWatcher, type Stats } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { F, silentLogger, type Logger } from "../../common";
import { parseRegistryFile, type RegistryContents } from "./file-format";
import { findAgent, isPlausibleToken } from "./tokens";
import { InvalidRegistryFileError, type AgentInfo, type AgentRegistry } from "./types";

export interface FileRegistryOptions {
  readonly file: string;
  readonly logger?: Logger;
  /** Period of the fallback stat poll. Default 2000 ms; 0 disables it. */
  readonly pollIntervalMs?: number;
  /** Quiet time after a change event before reloading. Default 100 ms. */
  readonly debounceMs?: number;
}

/** Identity of one version of the file: a rename-over changes ino, an edit mtime/ctime/size. */
function signatureOf(s: Stats): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}
const MISSING = "missing";

export class FileRegistry implements AgentRegistry {
  private contents: RegistryContents;
  /** Signature of the version last read, good or bad (so a bad version is reported once). */
  private signature: string;
  private inFlight: Promise<void> | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly poll: NodeJS.Timeout | undefined;
  private readonly watcher: FSWatcher | undefined;
  private readonly log: Logger;
  private closed = false;
  private readonly listeners = new Set<() => void>();

  /** Reads the file now; throws InvalidRegistryFileError (file, key, expected) if it is not valid. */
  constructor(private readonly options: FileRegistryOptions) {
    this.log = (options.logger ?? silentLogger).with({ [F.component]: "agent_registry", [F.file]: options.file });
    const stats = statSync(options.file);
    this.contents = parseRegistryFile(readFileSync(options.file), options.file);
    this.signature = signatureOf(stats);
    this.log.info("Agent registry loaded", { [F.count]: this.contents.agents.length });

    const interval = options.pollIntervalMs ?? 2000;
    if (interval > 0) {
      this.poll = setInterval(() => this.schedule(), interval);
      this.poll.unref();
    }
    this.watcher = this.startWatching();
  }

  /** The agents of the current registry (the console lists those that never connected); no token material. */
  get agents(): readonly AgentInfo[] {
    return this.contents.agents;
  }

  async authenticate(token: string): Promise<AgentInfo | undefined> {
    if (!isPlausibleToken(token)) return undefined;
    await this.refresh();
    return findAgent(this.contents.entries, token);
  }

  /** Calls `listener` after each successful reload (revocation must reach streams already open). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    if (this.poll !== undefined) clearInterval(this.poll);
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.watcher?.close();
  }

  /** Reloads if the file changed since it was last read. Never throws: the last good registry stays. */
  async refresh(): Promise<void> {
    // A reload already running may have looked at the file before this call: wait for it, then
    // look again (or join a look that started after this call did).
    if (this.inFlight !== undefined) await this.inFlight;
    this.inFlight ??= this.reloadIfChanged().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private startWatching(): FSWatcher | undefined {
    try {
      const watcher = watch(dirname(this.options.file), { persistent: false }, () => this.schedule());
      watcher.on("error", (err) => {
        this.log.warn("Watching the agent registry directory failed; relying on polling", { [F.error]: err });
      });
      return watcher;
    } catch (err) {
      this.log.warn("Cannot watch the agent registry directory; relying on polling", { [F.error]: err as Error });
      return undefined;
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.refresh();
    }, this.options.debounceMs ?? 100);
    this.debounce.unref();
  }

  private async reloadIfChanged(): Promise<void> {
    const { file } = this.options;
    let current: string;
    try {
      current = signatureOf(await stat(file));
    } catch (err) {
      // Closed while stat() ran (kas shutting down, the file's folder gone with it): nothing to report.
      if (this.closed) return;
      if (this.signature !== MISSING) {
        this.signature = MISSING;
        this.log.error("Agent registry file cannot be read; keeping the last good registry", {
          [F.error]: (err as NodeJS.ErrnoException).code ?? (err as Error).message,
        });
      }
      return;
    }
    if (this.closed || current === this.signature) return;
    this.signature = current;
    try {
      this.contents = parseRegistryFile(await readFile(file), file);
      this.log.info("Agent registry reloaded", { [F.count]: this.contents.agents.length });
      for (const listener of this.listeners) listener();
    } catch (err) {
      const fields =
        err instanceof InvalidRegistryFileError
          ? { [F.key]: err.keys.join(", "), [F.error]: err.message }
          : { [F.key]: "(file)", [F.error]: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
      this.log.error("Agent registry file is invalid; keeping the last good registry", fields);
    }
  }
}
