/**
 * `gitops-agent kubeconfig` (also `kas kubeconfig`): the flags, checked (pure).
 * The ID token comes from the environment (GitLab's `id_tokens:` puts it in a
 * variable), never from the command line, where `ps` would show it.
 */
import { FlagChecks, type CommandSpec, type FlagValues } from "../../common";

export const DEFAULT_TOKEN_ENV = "KAS_ID_TOKEN";
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function kubeconfigCommand(name: string) {
  return {
    name,
    usage: "--kas <https url> [--ca-file <pem>] [--token-env <VAR>] [--output <file>]",
    summary:
      "Writes the kubeconfig a CI job uses to reach its agents' clusters through kas: asks kas (GET /.kas/v1/allowed_agents, with the job's OIDC ID token) which agents the job may use, and writes one context per agent, named <config project path>:<agent name>; the current context is set when there is exactly one.",
    flags: {
      kas: { value: "<https url>", description: "kas's Kubernetes API listener (listen.kubernetes_api), e.g. https://kas.example.com:8156 (required)" },
      "ca-file": { value: "<pem>", description: "PEM CA bundle that signed kas's certificate; it also goes into the kubeconfig. Default: the system's CAs" },
      "token-env": { value: "<VAR>", description: "environment variable holding the job's OIDC ID token (GitLab: id_tokens: <VAR>: aud: <kas url>)", default: DEFAULT_TOKEN_ENV },
      output: { value: "<file>", description: "write the kubeconfig here (mode 0600) instead of stdout" },
    },
  } as const satisfies CommandSpec;
}

/** --token-env's value (default DEFAULT_TOKEN_ENV), with an error when it cannot name a variable; shared by the CI commands. */
export function checkTokenEnv(check: FlagChecks, value: string | undefined): string {
  const tokenEnv = value ?? DEFAULT_TOKEN_ENV;
  if (!ENV_NAME.test(tokenEnv)) check.errors.push(`--token-env is ${JSON.stringify(tokenEnv)}; expected the name of an environment variable such as ${DEFAULT_TOKEN_ENV}`);
  return tokenEnv;
}

export type KubeconfigCommandSpec = ReturnType<typeof kubeconfigCommand>;

export interface KubeconfigOptions {
  readonly kas: string;
  readonly caFile?: string;
  readonly tokenEnv: string;
  readonly output?: string;
}

export function kubeconfigFlags(values: FlagValues<KubeconfigCommandSpec["flags"]>): { ok: KubeconfigOptions } | { errors: readonly string[] } {
  const check = new FlagChecks();
  const kas = check.url("kas", check.required("kas", values.kas, "kas's Kubernetes API listener, an https URL"), ["https"]);
  const tokenEnv = checkTokenEnv(check, values["token-env"]);
  if (check.errors.length > 0 || kas === undefined) return { errors: check.errors };
  return { ok: { kas, tokenEnv, ...(values["ca-file"] === undefined ? {} : { caFile: values["ca-file"] }), ...(values.output === undefined ? {} : { output: values.output }) } };
}
