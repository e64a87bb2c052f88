/**
 * Who a proxied request runs as, in the tunnel's terms: nothing for the agent
 * itself, else the identity agentk turns into Impersonate-* headers. An
 * agent that did not register the `impersonate` capability (agentk without
 * --allow-impersonation) is refused here, before anything reaches it.
 */
import { TUNNEL_CAPABILITIES, type TunnelIdentity } from "../../rpc";
import type { AccessAs } from "../kubeapi-auth";

export function tunnelIdentity(accessAs: AccessAs): TunnelIdentity | null {
  if (accessAs.kind === "agent") return null;
  return {
    user: accessAs.user,
    groups: [...accessAs.groups],
    uid: accessAs.uid ?? "",
    extra: Object.entries(accessAs.extra).map(([name, values]) => ({ name, values: [...values] })),
  };
}

/** Why this tunnel cannot carry `identity`, or undefined when it can. */
export function impersonationRefusal(identity: TunnelIdentity | null, capabilities: readonly string[], agentName: string, by: string): string | undefined {
  if (identity === null || capabilities.includes(TUNNEL_CAPABILITIES.impersonate)) return undefined;
  return (
    `${by} grants access as ${identity.user} (impersonation), but agent ${agentName} does not impersonate: ` +
    "run agentk with --allow-impersonation and grant its ServiceAccount impersonate rights (stack config agent.impersonation)"
  );
}
