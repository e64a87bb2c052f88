/** kas.yaml's `agents:`, `git:`, `webhook:` and `log_level:` sections. */
import { DEFAULT_POLL_PERIOD_MS, type KasConfig } from "./schema";
import { durationMs, file, text, type KasReader } from "./values";

export function parseAgents(k: KasReader, value: unknown): KasConfig["agents"] {
  const { r } = k;
  const m = r.mapping(value, ["agents"], ["registry", "file", "gitlab"]) ?? {};
  const registry = r.oneOf(m.registry, ["agents", "registry"], ["file", "gitlab"] as const) ?? "file";
  if (registry === "file") {
    const f = file(k, m.file, ["agents", "file"]);
    if (!f) r.error(["agents", "file"], "required with registry file (a YAML list of agents and token hashes)");
    return { registry: "file", file: f ?? "" };
  }
  const at = ["agents", "gitlab"];
  const g = r.mapping(m.gitlab, at, ["url", "secret_file", "cache_ttl"]) ?? {};
  const url = text(k, g.url, [...at, "url"]);
  const secretFile = file(k, g.secret_file, [...at, "secret_file"]);
  if (!url || !secretFile) r.error(at, "url and secret_file are required with registry gitlab");
  return { registry: "gitlab", url: url ?? "", secretFile: secretFile ?? "", cacheTtlMs: durationMs(k, g.cache_ttl, [...at, "cache_ttl"], 30_000) };
}

export function parseGit(k: KasReader, value: unknown): KasConfig["git"] {
  const m = k.r.mapping(value, ["git"], ["cache_dir", "poll_period"]) ?? {};
  return {
    cacheDir: file(k, m.cache_dir, ["git", "cache_dir"], ".kas-cache") ?? "",
    pollPeriodMs: durationMs(k, m.poll_period, ["git", "poll_period"], DEFAULT_POLL_PERIOD_MS),
  };
}

export function parseWebhook(k: KasReader, value: unknown): KasConfig["webhook"] {
  const m = value === undefined ? undefined : k.r.mapping(value, ["webhook"], ["secret_file"]);
  const secretFile = m && file(k, m.secret_file, ["webhook", "secret_file"]);
  return secretFile ? { secretFile } : undefined;
}

export function parseLogLevel(k: KasReader, value: unknown): KasConfig["logLevel"] {
  return k.r.oneOf(value, ["log_level"], ["debug", "info", "warn", "error"] as const) ?? "info";
}
