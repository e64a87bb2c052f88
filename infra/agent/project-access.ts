/**
 * kas's access to the agent's configuration project in GitLab, as a Pulumi
 * dynamic provider over GitLab's REST API (gitlab-api.ts): a READ-ONLY deploy
 * token (scope `read_repository`) that kas clones the project with over HTTPS,
 * and, when kas has a public URL, a push webhook whose secret kas checks
 * (`X-Gitlab-Token`), so kas looks at the project on every push instead of only
 * polling it.
 *
 * Decisions:
 * - create is transactional: when the webhook cannot be registered, the deploy
 *   token just created is revoked again.
 * - Changing gitlabUrl, project or tokenName replaces the resource (a new token,
 *   then the old one revoked). Changing webhookUrl replaces only the webhook,
 *   with a new secret; the deploy token stays.
 * - delete deletes the webhook and revokes the token; either already gone
 *   (deleted in GitLab, or an earlier delete half done) is fine.
 *
 * The GitLab access token comes from GITLAB_TOKEN, read inside each operation
 * (gitlab-env.ts), never an input, an output or in the state.
 */
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { clientFromEnv, isGone, normalizeUrl, UNKNOWN } from "./gitlab-env";
import type { GitLabAgentsApi } from "./gitlab-api";

export const DEFAULT_DEPLOY_TOKEN_NAME = "gitops-agent-kas";
/** Read-only: kas only clones and fetches. */
export const DEPLOY_TOKEN_SCOPES = ["read_repository"] as const;

export interface ProjectAccessInputs {
  readonly gitlabUrl: string;
  /** Numeric id or full path of the project kas reads, e.g. `group/agent-config`. */
  readonly project: string;
  readonly tokenName: string;
  /** Where GitLab posts push events (kas's webhook listener); empty: no webhook, kas polls. */
  readonly webhookUrl: string;
}

export interface ProjectAccessOutputs extends ProjectAccessInputs {
  readonly deployTokenId: number;
  /** The deploy token's user name (`gitlab+deploy-token-<n>` unless GitLab was told otherwise). */
  readonly deployTokenUsername: string;
  /** Secret by additionalSecretOutputs. */
  readonly deployToken: string;
  /** 0 without a webhook. */
  readonly hookId: number;
  /** What GitLab sends as `X-Gitlab-Token`; empty without a webhook. Secret by additionalSecretOutputs. */
  readonly webhookSecret: string;
}

/** Properties whose change replaces the deploy token (and so the whole resource). */
export const ACCESS_REPLACE_ON_CHANGE = ["gitlabUrl", "project", "tokenName"] as const;

/** A webhook secret: 32 random bytes, URL-safe (GitLab sends it verbatim in a header). */
export function newWebhookSecret(): string {
  return randomBytes(32).toString("base64url");
}

async function createHook(api: GitLabAgentsApi, project: string, webhookUrl: string): Promise<{ hookId: number; webhookSecret: string }> {
  if (webhookUrl === "") return { hookId: 0, webhookSecret: "" };
  const webhookSecret = newWebhookSecret();
  const hook = await api.createPushHook(project, { url: webhookUrl, secret: webhookSecret, enableSslVerification: webhookUrl.startsWith("https:") });
  return { hookId: hook.id, webhookSecret };
}

async function unlessGone(request: () => Promise<unknown>): Promise<void> {
  try {
    await request();
  } catch (err) {
    if (!isGone(err)) throw err;
  }
}

export const gitlabProjectAccessProvider: pulumi.dynamic.ResourceProvider<ProjectAccessInputs, ProjectAccessOutputs> = {
  async check(_olds, news) {
    const raw = news as Partial<ProjectAccessInputs>;
    const url = (v: unknown) => (typeof v === "string" && v !== UNKNOWN ? normalizeUrl(v) : v);
    const inputs = { ...news, gitlabUrl: url(raw.gitlabUrl), webhookUrl: url(raw.webhookUrl ?? ""), tokenName: raw.tokenName ?? DEFAULT_DEPLOY_TOKEN_NAME } as ProjectAccessInputs;
    const failures: pulumi.dynamic.CheckFailure[] = [];
    for (const property of ["gitlabUrl", "webhookUrl"] as const) {
      const value = inputs[property];
      if (value === UNKNOWN || (property === "webhookUrl" && value === "")) continue;
      if (typeof value !== "string" || !/^https?:\/\/[^/\s]+/.test(value)) failures.push({ property, reason: `found ${JSON.stringify(value)}; expected an http(s) URL` });
    }
    return { inputs, failures };
  },

  async diff(_id, olds, news) {
    const replaces = ACCESS_REPLACE_ON_CHANGE.filter((key) => olds[key] !== news[key]);
    return { changes: replaces.length > 0 || olds.webhookUrl !== news.webhookUrl, replaces, deleteBeforeReplace: false };
  },

  async create(inputs) {
    const api = clientFromEnv(inputs.gitlabUrl);
    const token = await api.createDeployToken(inputs.project, { name: inputs.tokenName, scopes: [...DEPLOY_TOKEN_SCOPES] });
    let hook;
    try {
      hook = await createHook(api, inputs.project, inputs.webhookUrl);
    } catch (err) {
      // Pulumi records nothing for a failed create: leave nothing behind in GitLab either.
      await api.revokeDeployToken(inputs.project, token.id).catch(() => undefined);
      throw err;
    }
    const outs: ProjectAccessOutputs = { ...inputs, deployTokenId: token.id, deployTokenUsername: token.username, deployToken: token.token, ...hook };
    return { id: `${inputs.project}:deploy-token:${token.id}`, outs };
  },

  async update(_id, olds, news) {
    // Only the webhook changes here (see diff): the new one first, then the old one deleted.
    const api = clientFromEnv(news.gitlabUrl);
    const hook = await createHook(api, news.project, news.webhookUrl);
    if (olds.hookId) await unlessGone(() => api.deleteHook(olds.project, olds.hookId));
    return { outs: { ...olds, ...news, ...hook } };
  },

  async delete(_id, props) {
    const api = clientFromEnv(props.gitlabUrl);
    if (props.hookId) await unlessGone(() => api.deleteHook(props.project, props.hookId));
    await unlessGone(() => api.revokeDeployToken(props.project, props.deployTokenId));
  },
};

export interface GitLabProjectAccessArgs {
  /** GitLab's address, e.g. `https://gitlab.example.com`. */
  readonly gitlabUrl: pulumi.Input<string>;
  /** The project kas reads: its numeric id or full path. */
  readonly project: pulumi.Input<string>;
  /** The deploy token's name in GitLab. Default `gitops-agent-kas`. Changing it replaces the token. */
  readonly tokenName?: pulumi.Input<string>;
  /** Where GitLab posts push events: kas's webhook listener as GitLab reaches it. Absent: no webhook. */
  readonly webhookUrl?: pulumi.Input<string>;
}

/**
 * A read-only deploy token on a GitLab project (and optionally a push webhook),
 * for kas. `deployToken` and `webhookSecret` are secret outputs. Needs
 * GITLAB_TOKEN (scope `api`, Maintainer) in the environment of `pulumi`.
 */
export class GitLabProjectAccess extends pulumi.dynamic.Resource {
  declare readonly gitlabUrl: pulumi.Output<string>;
  declare readonly project: pulumi.Output<string>;
  declare readonly tokenName: pulumi.Output<string>;
  declare readonly webhookUrl: pulumi.Output<string>;
  declare readonly deployTokenId: pulumi.Output<number>;
  declare readonly deployTokenUsername: pulumi.Output<string>;
  declare readonly deployToken: pulumi.Output<string>;
  declare readonly hookId: pulumi.Output<number>;
  declare readonly webhookSecret: pulumi.Output<string>;

  constructor(name: string, args: GitLabProjectAccessArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      gitlabUrl: args.gitlabUrl,
      project: args.project,
      tokenName: args.tokenName ?? DEFAULT_DEPLOY_TOKEN_NAME,
      webhookUrl: args.webhookUrl ?? "",
      deployTokenId: undefined,
      deployTokenUsername: undefined,
      deployToken: undefined,
      hookId: undefined,
      webhookSecret: undefined,
    };
    super(gitlabProjectAccessProvider, name, props, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["deployToken", "webhookSecret"] }), "agent", "GitLabProjectAccess");
  }
}
