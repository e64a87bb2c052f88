/** `gitops-agent wait`: a CI job waits until the agent applied a commit and its objects are Current (kas's commit_status). */
export { waitMain } from "./main";
export { waitCommand, waitFlags, type WaitOptions } from "./flags";
export { waitLoop, type WaitLoopDeps, type WaitOutcome } from "./loop";
export { askCommitStatus, type Poll, type AskOptions } from "./ask";
