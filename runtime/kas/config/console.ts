/**
 * kas.yaml's `console:`: GitLab sign-in for the operator's console (an OAuth
 * application on GitLab, authorization-code flow), only in GitLab mode.
 */
import type { ConsoleConfig, KasConfig } from "./schema";
import { file, text, type KasReader } from "./values";

/** The path kas answers GitLab's redirect on: redirect_url must name it. */
export const CONSOLE_OAUTH_CALLBACK_PATH = "/oauth/callback";

/** Which other sections kas.yaml has: with `redis`, sessions are stored in Redis, GitLab users' tokens sealed with a shared secret. */
export interface ConsoleSiblings {
  readonly redis: boolean;
  readonly privateApi: boolean;
}

export function parseConsole(k: KasReader, value: unknown, agents: KasConfig["agents"], apiListen: string | undefined, siblings: ConsoleSiblings = { redis: false, privateApi: false }): ConsoleConfig | undefined {
  const { r } = k;
  if (value === undefined) return undefined;
  const m = r.mapping(value, ["console"], ["gitlab", "session_secret_file"]) ?? {};
  const sessionSecretFile = file(k, m.session_secret_file, ["console", "session_secret_file"]);
  const secret = sessionSecretFile ? { sessionSecretFile } : {};
  if (m.gitlab === undefined) return secret;
  if (siblings.redis && !siblings.privateApi && m.session_secret_file === undefined) {
    r.error(["console"], "redis and console.gitlab are set, but no secret every replica shares seals GitLab users' tokens in the sessions stored in Redis; expected console.session_secret_file: <file> (or private_api, whose authentication secret is used)");
  }
  const at = ["console", "gitlab"];
  const g = r.mapping(m.gitlab, at, ["url", "client_id", "client_secret_file", "redirect_url", "users"]) ?? {};
  const clientId = text(k, g.client_id, [...at, "client_id"]);
  const clientSecretFile = file(k, g.client_secret_file, [...at, "client_secret_file"]);
  const redirectUrl = text(k, g.redirect_url, [...at, "redirect_url"]);
  const url = text(k, g.url, [...at, "url"]) ?? (agents.registry === "gitlab" ? agents.url : undefined);
  const users = r.strings(g.users, [...at, "users"], { nonEmpty: true }) ?? [];
  if (!clientId || !clientSecretFile || !redirectUrl) r.error(at, "client_id, client_secret_file and redirect_url are required (the console's OAuth application on GitLab)");
  if (agents.registry !== "gitlab") r.error(at, "GitLab sign-in needs GitLab mode: expected agents.registry gitlab (with the file registry, sign in with the API token)");
  if (!apiListen) r.error(at, "set, but listen.api is not: the console is served on listen.api");
  if (redirectUrl && !isCallbackUrl(redirectUrl)) r.error([...at, "redirect_url"], `expected an http(s) URL ending in ${CONSOLE_OAUTH_CALLBACK_PATH} (where kas takes GitLab's answer), got ${JSON.stringify(redirectUrl)}`);
  if (url && !/^https?:\/\/[^\s]+$/.test(url)) r.error([...at, "url"], `expected GitLab's http(s) URL, got ${JSON.stringify(url)}`);
  if (!clientId || !clientSecretFile || !redirectUrl || !url) return secret;
  return { ...secret, gitlab: { url: url.replace(/\/+$/, ""), clientId, clientSecretFile, redirectUrl, users } };
}

function isCallbackUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === "https:" || u.protocol === "http:") && u.pathname === CONSOLE_OAUTH_CALLBACK_PATH;
  } catch {
    return false;
  }
}
