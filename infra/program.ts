import * as awsSdk from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { Agentk, GitLabAgentRegistration, GitLabProjectAccess, LocalAgentRegistration, registryYaml, tokenSha256, type AgentRegistration } from "./agent";
import { configProjectOf, deploymentProblems, loadStackConfig, StackConfigError, type StackConfig } from "./config";
import type { KasProjectArg, KasRedisArg } from "./kas";
import { kasWebhookUrl } from "./stack-kas";
import { EksCluster, ElastiCacheRedis, existingClusterProvider } from "./eks";
import { Kas } from "./kas";
import { AgentRbac, planRbac } from "./rbac";

export interface ProgramOutputs {
  readonly kubeconfig?: pulumi.Output<string>;
  readonly agentId: pulumi.Output<number>;
  readonly agentToken: pulumi.Output<string>;
  readonly kasAddress: pulumi.Output<string>;
  readonly namespaces: string[];
}

/** The whole stack from a validated config: cluster, RBAC, registration, kas, agentk. */
export function buildProgram(config: StackConfig): ProgramOutputs {
  const problems = deploymentProblems(config);
  if (problems.length > 0) throw new StackConfigError(problems);
  let provider: k8s.Provider;
  let kubeconfig: pulumi.Output<string> | undefined;
  let aws: { eks: EksCluster; provider: awsSdk.Provider } | undefined;
  if (config.cluster.provider === "eks") {
    // gitops-agent:cluster.region decides where everything AWS lives, whatever aws:region or AWS_REGION say.
    const awsProvider = new awsSdk.Provider("aws", { region: config.cluster.region as awsSdk.Region });
    const eks = new EksCluster("cluster", config.cluster, { providers: [awsProvider] });
    aws = { eks, provider: awsProvider };
    provider = eks.provider;
    kubeconfig = eks.kubeconfig;
  } else {
    provider = existingClusterProvider("cluster", config.cluster.kubeconfig, config.cluster.context);
  }
  const plan = planRbac(config);
  const rbac = new AgentRbac("agent-rbac", { plan }, { provider });

  const configProject = configProjectOf(config);
  const registration: AgentRegistration = config.gitlab
    ? new GitLabAgentRegistration("agent-registration", { gitlabUrl: config.gitlab.url, project: config.gitlab.project, agentName: config.agent.name })
    : new LocalAgentRegistration("agent-registration", { agentName: config.agent.name, configProject });

  let kasAddress: pulumi.Output<string> = pulumi.output(config.kas.address);
  if (config.kas.deploy) {
    // Our kas authenticates the agent from its own registry in both modes: the token the
    // registration created (locally, or in GitLab: GitLab.com users cannot have GitLab's
    // internal kas secret), as a SHA-256 hash. kas never sees the token itself.
    const registry = pulumi
      .all([registration.agentId, registration.token])
      .apply(([id, token]) => registryYaml([{ id: String(id), name: config.agent.name, configProject, tokens: [{ sha256: tokenSha256(token) }] }]));
    // GitLab mode: kas reads the configuration project with a read-only deploy token, and
    // with kas.publicUrl GitLab tells kas about pushes through a webhook (else kas polls).
    const access = config.gitlab
      ? new GitLabProjectAccess("kas-project-access", {
        gitlabUrl: config.gitlab.url,
        project: config.gitlab.project,
        ...(config.kas.publicUrl ? { webhookUrl: kasWebhookUrl(config.kas.publicUrl) } : {}),
      })
      : undefined;
    const redis = kasRedis(config, aws);
    const kas = new Kas(
      "kas",
      {
        namespace: rbac.agentNamespace,
        replicas: config.kas.replicas,
        ...(redis ? { redis, spreadAcrossZones: aws !== undefined } : {}),
        image: config.kas.image,
        projects: kasProjects(config, access),
        registryYaml: registry,
        ...(access && config.kas.publicUrl ? { webhookSecret: access.webhookSecret } : {}),
        ...(config.kas.kubernetesApi ? { kubernetesApi: config.kas.kubernetesApi } : {}),
      },
      { provider, dependsOn: [rbac] },
    );
    kasAddress = kas.address;
  }
  new Agentk(
    "agentk",
    {
      namespace: config.agent.namespace,
      name: config.agent.name,
      serviceAccountName: plan.serviceAccount.name,
      image: config.agent.image,
      replicas: config.agent.replicas,
      kasAddress,
      token: registration.token,
      // agentk impersonates exactly when the plan grants it (the `<agent>-impersonate` ClusterRole).
      allowImpersonation: plan.impersonation !== undefined,
    },
    { provider, dependsOn: [rbac] },
  );
  return {
    kubeconfig,
    agentId: registration.agentId,
    agentToken: pulumi.secret(registration.token),
    kasAddress,
    namespaces: plan.namespaces.map((n) => n.name),
  };
}

/** The Redis kas's replicas share (gitops-agent:kas.redis); ElastiCache in the EKS cluster's private subnets, reachable from its nodes only. */
function kasRedis(config: StackConfig, aws: { eks: EksCluster; provider: awsSdk.Provider } | undefined): KasRedisArg | undefined {
  const redis = config.kas.redis;
  if (!redis) return undefined;
  if (redis.kind === "inCluster") return { inCluster: redis.image ? { image: redis.image } : {} };
  if (redis.kind === "existing") return { address: redis.address, tls: redis.tls, ...(redis.passwordSecret ? { passwordSecret: redis.passwordSecret } : {}) };
  // parseStackConfig refuses elastiCache outside EKS stacks.
  if (!aws) throw new Error("gitops-agent:kas.redis.elastiCache needs gitops-agent:cluster.provider eks");
  const cache = new ElastiCacheRedis("kas-redis", {
    vpcId: aws.eks.network.vpc.id,
    subnetIds: aws.eks.network.privateSubnets.map((s) => s.id),
    clientSecurityGroupId: aws.eks.cluster.vpcConfig.clusterSecurityGroupId,
    nodeType: redis.nodeType,
    nodes: redis.nodes,
  }, { providers: [aws.provider] });
  return { address: cache.address, password: cache.authToken, tls: true };
}

/**
 * The projects the deployed kas serves: the stack's `kas.projects`; in GitLab mode also the
 * configuration project, at `<gitlab.url>/<project>.git` unless listed, read with the deploy
 * token (unless its entry names credentials of its own).
 */
function kasProjects(config: StackConfig, access: GitLabProjectAccess | undefined): KasProjectArg[] {
  // The stack lists these projects for its agent: kas lets the agent read them (kas.yaml `agents`),
  // as it would not a manifest project that is neither its configuration project nor public.
  const agents = [config.agent.name];
  const listed: KasProjectArg[] = config.kas.projects.map((p) => ({ ...p, agents }));
  if (!config.gitlab || !access) return listed;
  const id = config.gitlab.project;
  const entry = listed.find((p) => p.id === id);
  if (entry?.credentials) return listed;
  const credentials = { username: access.deployTokenUsername, password: access.deployToken };
  return [...listed.filter((p) => p.id !== id), { id, url: entry?.url ?? `${config.gitlab.url}/${id}.git`, agents, credentials }];
}

/**
 * The program `pulumi up` runs (infra/index.ts): the stack's config, validated, then every
 * resource. A config problem is a pulumi.RunError: Pulumi prints it without a stack trace.
 */
export function stackProgram(): ProgramOutputs {
  try {
    // buildProgram checks deploymentProblems before it creates anything.
    return buildProgram(loadStackConfig());
  } catch (err) {
    if (err instanceof StackConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
