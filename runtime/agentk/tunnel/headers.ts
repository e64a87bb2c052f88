/**
 * What agentk lets through from kas into an apiserver request, and back (pure).
 * The agent alone decides who a request runs as: it drops Authorization,
 * Impersonate-* and hop-by-hop headers, and adds impersonation only from
 * request_head.identity, only when explicitly allowed.
 */
import type { TunnelHeader, TunnelIdentity } from "../../rpc";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host"]);

/** Whether the request asks for a protocol upgrade (Connection: Upgrade plus an Upgrade header). */
export function wantsUpgrade(headers: readonly TunnelHeader[]): boolean {
  const get = (n: string) => headers.filter((h) => h.name.toLowerCase() === n).flatMap((h) => h.values);
  return get("connection").some((v) => v.toLowerCase().split(",").some((t) => t.trim() === "upgrade")) && get("upgrade").length > 0;
}

/** Header names a Connection header lists (also hop-by-hop). */
function connectionListed(headers: readonly TunnelHeader[]): Set<string> {
  const listed = headers.filter((h) => h.name.toLowerCase() === "connection").flatMap((h) => h.values.flatMap((v) => v.split(",")));
  return new Set(listed.map((t) => t.trim().toLowerCase()).filter((t) => t && t !== "upgrade"));
}

function dropped(name: string, listed: Set<string>): boolean {
  return HOP_BY_HOP.has(name) || listed.has(name) || name === "authorization" || name.startsWith("impersonate-");
}

/** The headers agentk sends to its apiserver for kas's request. */
export function requestHeaders(headers: readonly TunnelHeader[], identity: TunnelIdentity | null | undefined, allowImpersonation: boolean): Record<string, string | string[]> {
  const listed = connectionListed(headers);
  const out: Record<string, string | string[]> = {};
  for (const h of headers) {
    const name = h.name.toLowerCase();
    if (dropped(name, listed) || h.values.length === 0) continue;
    out[name] = [...((out[name] as string[] | undefined) ?? []), ...h.values];
  }
  if (wantsUpgrade(headers)) {
    out.connection = "Upgrade";
    out.upgrade = headers.filter((h) => h.name.toLowerCase() === "upgrade").flatMap((h) => h.values);
  }
  Object.assign(out, identityHeaders(identity, allowImpersonation));
  return out;
}

/** Impersonate-* headers for `identity`; none for the agent itself; throws when impersonation is not allowed. */
export function identityHeaders(identity: TunnelIdentity | null | undefined, allowImpersonation: boolean): Record<string, string | string[]> {
  if (!identity || (!identity.user && identity.groups.length === 0 && !identity.uid && identity.extra.length === 0)) return {};
  if (!allowImpersonation) throw new Error("kas asked for impersonation; this agent only acts as itself (impersonation is not enabled)");
  if (!identity.user) throw new Error("an impersonated identity needs a user");
  const out: Record<string, string | string[]> = { "impersonate-user": identity.user };
  if (identity.groups.length > 0) out["impersonate-group"] = [...identity.groups];
  if (identity.uid) out["impersonate-uid"] = identity.uid;
  for (const e of identity.extra) out[`impersonate-extra-${encodeURIComponent(e.name.toLowerCase())}`] = [...e.values];
  return out;
}

/** The apiserver's response headers as sent back to kas, hop-by-hop ones dropped (kept for a 101: they name the protocol). */
export function responseHeaders(rawHeaders: readonly string[], upgraded: boolean): TunnelHeader[] {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    if (HOP_BY_HOP.has(name) && !(upgraded && (name === "connection" || name === "upgrade"))) continue;
    out.set(name, [...(out.get(name) ?? []), rawHeaders[i + 1] as string]);
  }
  return [...out].map(([name, values]) => ({ name, values }));
}
