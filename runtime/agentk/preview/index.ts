/** `gitops-agent preview`'s agent half: a commit planned by dry-run applies, nothing written. */
export { previewHandler, type PreviewHandlerOptions } from "./handler";
export { previewCommit, type PreviewCommitRequest } from "./preview";
export { diffObjects, isSecret, IGNORED_PATHS, REDACTED } from "./diff";
export { rbacChange, isRbac } from "./rbac";
