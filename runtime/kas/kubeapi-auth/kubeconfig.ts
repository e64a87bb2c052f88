/**
 * The kubeconfig a CI job uses to reach its agents through kas, shaped as
 * GitLab writes it (Ci::GenerateKubeconfigService): one cluster `gitlab` (the
 * kas Kubernetes API proxy URL), per agent a user `agent:<agent id>` whose
 * token is `ci:<agent id>:<CI credential>` (so kas knows which agent each
 * request targets, see bearer.ts) and a context `<config project path>:<agent
 * name>` with the authorisation's default namespace. Existing pipelines that
 * run `kubectl config use-context group/agent-config:dude` keep working.
 */
import { stringify } from "yaml";
import { ciBearerToken } from "./bearer";

export interface KubeconfigAgent {
  readonly id: string;
  readonly name: string;
  readonly configProjectPath: string;
  /** The matching ci_access entry's default_namespace. */
  readonly defaultNamespace?: string;
}

export interface CiKubeconfigInput {
  /** kas's Kubernetes API proxy URL, e.g. https://kas.example/k8s-proxy/: https, as kubectl sends no bearer token over http. */
  readonly server: string;
  /** PEM of the CA that signed kas's certificate, when it is not a public one. */
  readonly caPem?: string;
  /** The CI job token or OIDC ID token; with tokenType pat, a personal access token. */
  readonly credential: string;
  /** `ci` (default) for a CI job; `pat` for a user's personal access token (user_access), as GitLab's user kubeconfig. */
  readonly tokenType?: "ci" | "pat";
  readonly agents: readonly KubeconfigAgent[];
  /** A context name to make current; default: the only agent's, when there is one. */
  readonly currentContext?: string;
}

export const KUBECONFIG_CLUSTER = "gitlab";

export function contextName(agent: Pick<KubeconfigAgent, "configProjectPath" | "name">): string {
  return `${agent.configProjectPath}:${agent.name}`;
}

/** kubeconfig YAML; throws on a server that is not https, a context named twice, or an unknown currentContext. */
export function renderCiKubeconfig(input: CiKubeconfigInput): string {
  let url: URL | undefined;
  try {
    url = new URL(input.server);
  } catch {
    url = undefined;
  }
  // client-go drops the bearer token on plain http: an http proxy URL would only ever get anonymous requests.
  if (url?.protocol !== "https:") throw new Error(`server ${JSON.stringify(input.server)}: expected an https URL (kubectl sends no bearer token over http)`);
  if (input.credential === "") throw new Error("credential: expected a CI job token or ID token");
  const names = input.agents.map(contextName);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`agents: the context ${JSON.stringify(twice)} is named twice`);
  const current = input.currentContext ?? (names.length === 1 ? names[0] : undefined);
  if (current !== undefined && !names.includes(current)) throw new Error(`currentContext ${JSON.stringify(current)}: expected one of ${names.join(", ")}`);
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: KUBECONFIG_CLUSTER,
        cluster: {
          server: input.server,
          ...(input.caPem === undefined ? {} : { "certificate-authority-data": Buffer.from(input.caPem).toString("base64") }),
        },
      },
    ],
    users: input.agents.map((a) => ({ name: `agent:${a.id}`, user: { token: ciBearerToken(a.id, input.credential, input.tokenType) } })),
    contexts: input.agents.map((a, i) => ({
      name: names[i],
      context: { cluster: KUBECONFIG_CLUSTER, user: `agent:${a.id}`, ...(a.defaultNamespace === undefined ? {} : { namespace: a.defaultNamespace }) },
    })),
    ...(current === undefined ? {} : { "current-context": current }),
  };
  return stringify(doc, { lineWidth: 0 });
}
