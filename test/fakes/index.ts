/**
 * Fakes of what cannot run here (GitLab's own servers), for tests only: kept
 * out of runtime/ and infra/ so nothing shipped compiles them in.
 */
export { startFakeGitLab as startFakeGitLabInternalApi, type FakeGitLab as FakeGitLabInternalApi } from "./gitlab-internal-api";
export { startFakeGitLab as startFakeGitLabAgentsApi, type FakeGitLab as FakeGitLabAgentsApi } from "./gitlab-agents-api";
export type { FakeAllowedAgent, FakeJob, FakeUser, FakeUserAccessAs } from "./gitlab-kube-api";
export { startFakeGitLabNotes, type FakeGitLabNotes, type FakeNote } from "./gitlab-notes";
export { startFakeGitLabOAuth, type FakeGitLabOAuth, type FakeOAuthUser } from "./gitlab-oauth";
