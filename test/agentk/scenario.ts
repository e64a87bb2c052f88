import * as path from "node:path";
import { makeRepo } from "../git";

export const AGENT_NS = "gitlab-k8s-agent";

export const nginx = (ns: string, replicas = 1): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment-${ns}
  namespace: ${ns}
  labels: {app: nginx}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports: [{containerPort: 80}]
`;

export const agentConfig = (extra = ""): string => `gitops:
  manifest_projects:
  - id: group/dude-naww
    default_namespace: dude
    paths:
    - glob: '/manifests/**/*.yaml'
${extra}observability:
  logging:
    level: debug
`;

/** The seed's repository: the agent's config and two nginx Deployments, one per namespace. */
export async function seedRepo(dir: string, replicas = 2): Promise<string> {
  const repo = path.join(dir, "dude-naww");
  await makeRepo(repo, {
    ".gitlab/agents/dude-agent/config.yaml": agentConfig(),
    "manifests/dude.yaml": nginx("dude", replicas),
    "manifests/naww.yaml": nginx("naww", replicas),
  });
  return repo;
}
