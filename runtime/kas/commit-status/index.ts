/** kas's commit_status endpoint: its path, query and answer (one source for kas and `gitops-agent wait`), and the answer in words. */
export {
  KAS_COMMIT_STATUS_PATH,
  COMMIT_STATES,
  commitStatusPath,
  parseCommitStatusQuery,
  commitNotFound,
  isCommitNotFound,
  type CommitState,
  type ReportedState,
  type CommitStatusWire,
  type ReportedCommitWire,
  type ObjectCountsWire,
  type ObjectStateWire,
} from "./wire";
export { parseCommitStatus } from "./parse";
export { describeCommitStatus, describeCounts, describeObject, describeObjects } from "./describe";
