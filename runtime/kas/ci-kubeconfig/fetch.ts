/**
 * Asks kas which agents the CI job may use: `GET <kas>/.kas/v1/allowed_agents`
 * with `Authorization: Bearer <ID token>` over https (the given CA, else the
 * system's). Every failure is an Error saying what to check: kas unreachable,
 * its certificate not trusted, kas's own refusal (the Status message), or an
 * answer that is not what kas sends. The token is never part of a message.
 */
import { KAS_ALLOWED_AGENTS_PATH, parseKasAllowedAgents, type KubeconfigAgent } from "../kubeapi-auth";
import { kasJson, kasUrl } from "./kas-request";

export interface AllowedAgents {
  readonly agents: KubeconfigAgent[];
  /** The job's project as kas read it from the token. */
  readonly projectPath?: string;
}

export interface FetchOptions {
  /** kas's Kubernetes API listener, https. A path (an Ingress prefix) is kept. */
  readonly kas: string;
  readonly caPem?: string;
  readonly idToken: string;
  readonly timeoutMs?: number;
}

/** The endpoint under `kas`, keeping any path prefix. */
export function allowedAgentsUrl(kas: string): URL {
  return kasUrl(kas, KAS_ALLOWED_AGENTS_PATH);
}

export async function fetchAllowedAgents(o: FetchOptions): Promise<AllowedAgents> {
  const json = await kasJson({ kas: o.kas, path: KAS_ALLOWED_AGENTS_PATH, authorization: `Bearer ${o.idToken}`, ...(o.caPem === undefined ? {} : { caPem: o.caPem }), ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }) }, "allowed_agents");
  const parsed = parseKasAllowedAgents(json);
  if (!parsed.ok) throw new Error(`kas at ${allowedAgentsUrl(o.kas).origin}: unexpected allowed_agents answer: ${parsed.reason}`);
  return { agents: parsed.agents, ...(parsed.projectPath === undefined ? {} : { projectPath: parsed.projectPath }) };
}
