import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { Agentk, GitLabAgentRegistration, LocalAgentRegistration, registryYaml, type AgentRegistration } from "./agent";
import type { StackConfig } from "./config";
import { EksCluster, existingClusterProvider } from "./eks";
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
  let provider: k8s.Provider;
  let kubeconfig: pulumi.Output<string> | undefined;
  if (config.cluster.provider === "eks") {
    const eks = new EksCluster("cluster", config.cluster);
    provider = eks.provider;
    kubeconfig = eks.kubeconfig;
  } else {
    provider = existingClusterProvider("cluster", config.cluster.kubeconfig, config.cluster.context);
  }
  const plan = planRbac(config);
  const rbac = new AgentRbac("agent-rbac", { plan }, { provider });

  const configProject = config.gitlab?.project ?? `local/${config.agent.name}`;
  const registration: AgentRegistration = config.gitlab
    ? new GitLabAgentRegistration("agent-registration", { gitlabUrl: config.gitlab.url, project: config.gitlab.project, agentName: config.agent.name })
    : new LocalAgentRegistration("agent-registration", { agentName: config.agent.name, configProject });

  let kasAddress: pulumi.Output<string> = pulumi.output(config.kas.address);
  if (config.kas.deploy) {
    const registry =
      registration instanceof LocalAgentRegistration
        ? pulumi.all([registration.agentId, registration.tokenSha256]).apply(([id, sha256]) =>
            registryYaml([{ id: String(id), name: config.agent.name, configProject, tokens: [{ sha256 }] }]),
          )
        : undefined;
    const kas = new Kas(
      "kas",
      {
        namespace: rbac.agentNamespace,
        image: config.kas.image,
        projects: config.gitlab ? [{ id: config.gitlab.project, url: `${config.gitlab.url.replace(/\/$/, "")}/${config.gitlab.project}.git` }] : [],
        registryYaml: registry,
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
