export { decideLease, type LeaseDecision, type LeaseSpec } from "./decide";
export { runLeaderElection, LEADER_ELECTION_DEFAULTS, type LeaderElectionOptions } from "./elector";
