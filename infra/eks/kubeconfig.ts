/**
 * A kubeconfig for an EKS cluster that authenticates with `aws eks get-token`
 * (no long-lived credential in it). Pure: endpoint, CA and names in, YAML-able object out.
 */
export function eksKubeconfig(clusterName: string, endpoint: string, caData: string, region: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": caData } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
    users: [
      {
        name: clusterName,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
          },
        },
      },
    ],
  };
}
