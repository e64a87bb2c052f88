/**
 * Who is looking at kas's console (issue 21). The console's sign-in decides
 * it; everything that reads the cluster for the console (pods, events, logs
 * through the agent's tunnel) takes it and applies the same rules as the
 * Kubernetes API proxy's user access.
 */
export type ConsoleViewer =
  /** Signed in with kas's API token (`api.token_file`): the operator of this kas. */
  | { readonly kind: "api-token" }
  /** Signed in through GitLab (OAuth, GitLab mode): a GitLab user, with the access token GitLab gave the console. */
  | { readonly kind: "gitlab-user"; readonly username: string; readonly accessToken: string };
