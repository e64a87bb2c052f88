/**
 * Registers the agent with GitLab and creates its token, as a Pulumi dynamic
 * provider over GitLab's REST API (the Pulumi GitLab provider is not available
 * to us, and @gitbeaker's createToken sends a GET).
 *
 * Decisions:
 * - An agent name already registered in the project FAILS the create (as
 *   GitLab's Terraform provider does) instead of adopting it: adopting would make
 *   `pulumi destroy` delete an agent, and revoke tokens, that this stack never
 *   created and another cluster may be using.
 * - create is transactional: when the token cannot be created, the agent just
 *   registered is deleted again, so a retry does not trip over its own agent.
 * - Changing gitlabUrl, project or agentName replaces the registration (a new
 *   agent, then the old one deleted). Changing tokenName, or a token found
 *   revoked on refresh, rotates the token in place: the new one is created
 *   before the old one is revoked.
 *
 * The GitLab access token comes from the environment variable GITLAB_TOKEN,
 * read inside each operation: it is never an input, an output or in the state.
 * The provider object is serialized by Pulumi and run in another process, so it
 * captures only plain functions and classes (gitlab-api.ts) and builds its
 * client per call.
 */
import * as pulumi from "@pulumi/pulumi";
// GitLab's cluster_agent_name_regex and length limit are a DNS label's.
import { DNS_LABEL } from "../../runtime/common/config-kit";
import { clientFromEnv, isGone, normalizeUrl, UNKNOWN } from "./gitlab-env";
import type { AgentRegistration } from "./types";

export { GITLAB_TOKEN_ENV } from "./gitlab-env";

export const DEFAULT_TOKEN_NAME = "pulumi";
const TOKEN_DESCRIPTION = "Created by the gitops-agent Pulumi stack; revoked when the stack removes the agent.";

export interface RegistrationInputs {
  readonly gitlabUrl: string;
  /** Numeric id or full path of the agent's configuration project, e.g. `group/agent-config`. */
  readonly project: string;
  readonly agentName: string;
  readonly tokenName: string;
}

export interface RegistrationOutputs extends RegistrationInputs {
  readonly agentId: number;
  readonly tokenId: number;
  /** The agent token (`glagent-...`); kept secret by additionalSecretOutputs. */
  readonly token: string;
  /** `active` until a refresh finds the token revoked or gone; anything else makes the next update rotate it. */
  readonly tokenStatus: string;
  /** The project's path as GitLab reports it (the input when GitLab does not say). */
  readonly configProject: string;
}

/** Properties whose change replaces the registration. */
export const REPLACE_ON_CHANGE = ["gitlabUrl", "project", "agentName"] as const;

export interface InputProblem {
  readonly property: string;
  readonly reason: string;
}

/** Pure validation of the registration's inputs; unknown (preview) values pass. */
export function validateRegistrationInputs(inputs: Partial<Record<keyof RegistrationInputs, unknown>>): InputProblem[] {
  const problems: InputProblem[] = [];
  const known = (v: unknown) => v !== UNKNOWN;
  const url = inputs.gitlabUrl;
  if (known(url)) {
    let ok = false;
    try {
      ok = typeof url === "string" && ["http:", "https:"].includes(new URL(url).protocol);
    } catch {
      ok = false;
    }
    if (!ok) problems.push({ property: "gitlabUrl", reason: `found ${JSON.stringify(url)}; expected GitLab's http(s) address, e.g. https://gitlab.example.com` });
  }
  const project = inputs.project;
  if (known(project) && (typeof project !== "string" || !/^(\d+|[^/\s]+(\/[^/\s]+)+)$/.test(project))) {
    problems.push({ property: "project", reason: `found ${JSON.stringify(project)}; expected a project id or its full path, e.g. group/agent-config` });
  }
  const name = inputs.agentName;
  if (known(name) && (typeof name !== "string" || !DNS_LABEL.test(name))) {
    problems.push({
      property: "agentName",
      reason: `found ${JSON.stringify(name)}; expected GitLab's agent name rule: 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit`,
    });
  }
  const tokenName = inputs.tokenName;
  if (known(tokenName) && tokenName !== undefined && (typeof tokenName !== "string" || tokenName.length === 0 || tokenName.length > 255)) {
    problems.push({ property: "tokenName", reason: `found ${JSON.stringify(tokenName)}; expected a name of 1 to 255 characters` });
  }
  return problems;
}

/** `project:agentId`, the shape GitLab's Terraform provider uses for import. */
function registrationId(project: string, agentId: number): string {
  return `${project}:${agentId}`;
}

export const gitlabAgentRegistrationProvider: pulumi.dynamic.ResourceProvider<RegistrationInputs, RegistrationOutputs> = {
  async check(_olds, news) {
    const raw = news as Partial<RegistrationInputs>;
    const inputs = {
      ...news,
      gitlabUrl: typeof raw.gitlabUrl === "string" && raw.gitlabUrl !== UNKNOWN ? normalizeUrl(raw.gitlabUrl) : raw.gitlabUrl,
      tokenName: raw.tokenName ?? DEFAULT_TOKEN_NAME,
    } as RegistrationInputs;
    return { inputs, failures: validateRegistrationInputs(inputs) };
  },

  async diff(_id, olds, news) {
    const replaces = REPLACE_ON_CHANGE.filter((key) => olds[key] !== news[key]);
    const rotate = olds.tokenName !== news.tokenName || olds.tokenStatus !== "active";
    return { changes: replaces.length > 0 || rotate, replaces };
  },

  async create(inputs) {
    const api = clientFromEnv(inputs.gitlabUrl);
    const agent = await api.registerAgent(inputs.project, inputs.agentName);
    let token;
    try {
      token = await api.createToken(inputs.project, agent.id, { name: inputs.tokenName, description: TOKEN_DESCRIPTION });
    } catch (err) {
      // Pulumi records nothing for a failed create: leave nothing behind in GitLab either.
      await api.deleteAgent(inputs.project, agent.id).catch(() => undefined);
      throw err;
    }
    const outs: RegistrationOutputs = {
      ...inputs,
      agentId: agent.id,
      tokenId: token.id,
      token: token.token,
      tokenStatus: token.status ?? "active",
      configProject: agent.config_project?.path_with_namespace ?? inputs.project,
    };
    return { id: registrationId(inputs.project, agent.id), outs };
  },

  async read(id, props) {
    if (!props) throw new Error(`Cannot read GitLab agent registration ${id} without its state: the token can only be obtained when it is created.`);
    const api = clientFromEnv(props.gitlabUrl);
    const agent = await api.getAgent(props.project, props.agentId);
    // An agent deleted in GitLab: the registration is gone, and `pulumi refresh` drops it from the state.
    if (!agent) return { id: "" };
    const active = (await api.listTokens(props.project, props.agentId)).some((t) => t.id === props.tokenId && t.status === "active");
    return {
      id,
      props: {
        ...props,
        agentName: agent.name,
        tokenStatus: active ? "active" : "revoked",
        configProject: agent.config_project?.path_with_namespace ?? props.configProject,
      },
    };
  },

  async update(_id, olds, news) {
    const api = clientFromEnv(news.gitlabUrl);
    // The new token first, so the agent is never without a valid one; GitLab allows two active tokens.
    const token = await api.createToken(news.project, olds.agentId, { name: news.tokenName, description: TOKEN_DESCRIPTION });
    if (olds.tokenStatus === "active") await api.revokeToken(olds.project, olds.agentId, olds.tokenId);
    return { outs: { ...olds, ...news, tokenId: token.id, token: token.token, tokenStatus: token.status ?? "active" } };
  },

  async delete(_id, props) {
    const api = clientFromEnv(props.gitlabUrl);
    // Either may already be gone (deleted in GitLab, or an earlier delete half done): that is the goal.
    try {
      await api.revokeToken(props.project, props.agentId, props.tokenId);
      await api.deleteAgent(props.project, props.agentId);
    } catch (err) {
      if (!isGone(err)) throw err;
    }
  },
};

export interface GitLabAgentRegistrationArgs {
  /** GitLab's address, e.g. `https://gitlab.example.com` (a trailing `/` or `/api/v4` is fine). */
  readonly gitlabUrl: pulumi.Input<string>;
  /** The agent's configuration project: its numeric id or full path, e.g. `group/agent-config`. */
  readonly project: pulumi.Input<string>;
  /** The agent's name in GitLab (`.gitlab/agents/<name>/config.yaml`); must not be registered yet. Changing it replaces the agent. */
  readonly agentName: pulumi.Input<string>;
  /** The token's name in GitLab. Default `pulumi`. Changing it rotates the token. */
  readonly tokenName?: pulumi.Input<string>;
}

/**
 * An agent registered in GitLab with one token. `token` is a secret output.
 * Needs GITLAB_TOKEN in the environment of every `pulumi` command that touches it.
 */
export class GitLabAgentRegistration extends pulumi.dynamic.Resource implements AgentRegistration {
  declare readonly gitlabUrl: pulumi.Output<string>;
  declare readonly project: pulumi.Output<string>;
  declare readonly agentName: pulumi.Output<string>;
  declare readonly tokenName: pulumi.Output<string>;
  declare readonly agentId: pulumi.Output<number>;
  declare readonly tokenId: pulumi.Output<number>;
  /** The agent token (`glagent-...`), secret. */
  declare readonly token: pulumi.Output<string>;
  declare readonly tokenStatus: pulumi.Output<string>;
  declare readonly configProject: pulumi.Output<string>;

  constructor(name: string, args: GitLabAgentRegistrationArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      gitlabUrl: args.gitlabUrl,
      project: args.project,
      agentName: args.agentName,
      tokenName: args.tokenName ?? DEFAULT_TOKEN_NAME,
      agentId: undefined,
      tokenId: undefined,
      token: undefined,
      tokenStatus: undefined,
      configProject: undefined,
    };
    super(gitlabAgentRegistrationProvider, name, props, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token"] }), "agent", "GitLabAgentRegistration");
  }
}
