/**
 * Agent registration without GitLab: kas serves agents from its registry file,
 * which holds SHA-256 hashes of the tokens only. A dynamic resource makes the
 * token once (a secret output, kept in the state like GitLab's) and exposes its
 * hash as a plain output; {@link registryYaml} renders kas's file from hashes.
 */
import { randomBytes, randomInt } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { tokenSha256 } from "../../runtime/common/deploy";
import type { AgentRegistration } from "./types";

/** GitLab's agent token prefix; kas and agentk treat local tokens the same way. */
export const AGENT_TOKEN_PREFIX = "glagent-";
/** GitLab's tokens carry 50 random URL-safe characters after the prefix. */
const TOKEN_RANDOM_CHARS = 50;

/** A new agent token: `glagent-` and 50 URL-safe random characters (300 bits). */
export function newAgentToken(): string {
  return AGENT_TOKEN_PREFIX + randomBytes(38).toString("base64url").slice(0, TOKEN_RANDOM_CHARS);
}

/** Hex SHA-256 of the token's UTF-8 bytes: what kas's registry file stores and compares (one function, shared with kas). */
export { tokenSha256 };

export interface LocalRegistrationInputs {
  readonly agentName: string;
  readonly configProject: string;
  /** Fixed agent id; when absent, one is drawn at creation and kept. */
  readonly agentId?: number;
}

export interface LocalRegistrationOutputs {
  readonly agentName: string;
  readonly configProject: string;
  readonly agentId: number;
  /** Secret by additionalSecretOutputs. */
  readonly token: string;
  readonly tokenSha256: string;
}

export const localAgentRegistrationProvider: pulumi.dynamic.ResourceProvider<LocalRegistrationInputs, LocalRegistrationOutputs> = {
  async diff(_id, olds, news) {
    // A new explicit id is a different agent: a new token goes with it.
    const replaces = news.agentId !== undefined && news.agentId !== olds.agentId ? ["agentId"] : [];
    const changes = replaces.length > 0 || olds.agentName !== news.agentName || olds.configProject !== news.configProject;
    return { changes, replaces };
  },

  async create(inputs) {
    const token = newAgentToken();
    const agentId = inputs.agentId ?? randomInt(1, 2 ** 31 - 1);
    const outs: LocalRegistrationOutputs = { agentName: inputs.agentName, configProject: inputs.configProject, agentId, token, tokenSha256: tokenSha256(token) };
    return { id: `local:${agentId}`, outs };
  },

  async update(_id, olds, news) {
    // A rename or a new config project keeps the agent and its token; only the registry entry changes.
    return { outs: { ...olds, agentName: news.agentName, configProject: news.configProject } };
  },
};

export interface LocalAgentRegistrationArgs {
  /** The agent's name, as in `.gitlab/agents/<name>/config.yaml`. */
  readonly agentName: pulumi.Input<string>;
  /** The agent's configuration project path, e.g. `group/agent-config`. */
  readonly configProject: pulumi.Input<string>;
  /** The agent's id in kas's registry. Default: a random id drawn once at creation and kept. */
  readonly agentId?: pulumi.Input<number>;
}

/** A token for an agent served from kas's registry file; `token` is secret, `tokenSha256` is not. */
export class LocalAgentRegistration extends pulumi.dynamic.Resource implements AgentRegistration {
  declare readonly agentName: pulumi.Output<string>;
  declare readonly configProject: pulumi.Output<string>;
  declare readonly agentId: pulumi.Output<number>;
  /** The agent token (`glagent-...`), secret. */
  declare readonly token: pulumi.Output<string>;
  /** Hex SHA-256 of the token, for the registry file. */
  declare readonly tokenSha256: pulumi.Output<string>;

  constructor(name: string, args: LocalAgentRegistrationArgs, opts?: pulumi.CustomResourceOptions) {
    const props = { agentName: args.agentName, configProject: args.configProject, agentId: args.agentId, token: undefined, tokenSha256: undefined };
    super(localAgentRegistrationProvider, name, props, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token"] }), "agent", "LocalAgentRegistration");
  }
}

export { registryYaml, type RegistryAgent, type RegistryToken } from "../../runtime/common/deploy";
