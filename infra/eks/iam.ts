import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

const assume = (service: string): string =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

function roleWith(name: string, service: string, policies: readonly string[], parent: pulumi.Resource): aws.iam.Role {
  const role = new aws.iam.Role(name, { assumeRolePolicy: assume(service) }, { parent });
  policies.forEach((arn, i) => new aws.iam.RolePolicyAttachment(`${name}-${i}`, { role: role.name, policyArn: arn }, { parent }));
  return role;
}

/** The EKS control plane's role and the worker nodes' role, with AWS's managed policies only. */
export function createRoles(name: string, parent: pulumi.Resource) {
  return {
    clusterRole: roleWith(`${name}-cluster`, "eks.amazonaws.com", ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"], parent),
    nodeRole: roleWith(`${name}-node`, "ec2.amazonaws.com", [
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    ], parent),
  };
}
