import type * as pulumi from "@pulumi/pulumi";

/**
 * What agentk and kas need from a registration, whichever made it:
 * GitLabAgentRegistration (GitLab configured) or LocalAgentRegistration (kas's registry file).
 */
export interface AgentRegistration {
  readonly agentId: pulumi.Output<number>;
  readonly agentName: pulumi.Output<string>;
  readonly configProject: pulumi.Output<string>;
  /** The agent token (`glagent-...`), a secret output. */
  readonly token: pulumi.Output<string>;
}
