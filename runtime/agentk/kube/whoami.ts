import type { KubeClient } from "./client";

export interface ServiceAccountName {
  readonly namespace: string;
  readonly name: string;
}

const SA_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** `system:serviceaccount:<namespace>:<name>` -> its parts; any other user name -> undefined. */
export function parseServiceAccountUser(username: string | undefined): ServiceAccountName | undefined {
  const m = username === undefined ? null : SA_USER.exec(username);
  return m ? { namespace: m[1] as string, name: m[2] as string } : undefined;
}

/**
 * The ServiceAccount these credentials authenticate as, asked of the
 * apiserver (SelfSubjectReview, which every authenticated user may create);
 * undefined for any other kind of user. The agent names its Lease and
 * inventory after it, the names its Role was written for.
 */
export async function whoAmI(client: KubeClient): Promise<{ readonly username: string; readonly serviceAccount?: ServiceAccountName }> {
  const review = await client.request<{ status?: { userInfo?: { username?: string } } }>("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
  const username = review.status?.userInfo?.username ?? "";
  const serviceAccount = parseServiceAccountUser(username);
  return serviceAccount ? { username, serviceAccount } : { username };
}
