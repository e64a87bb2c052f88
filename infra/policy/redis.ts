/**
 * kas replicas' Redis on ElastiCache holds which replica serves which agent:
 * reachable in the VPC, so it must speak TLS and ask for a password (the
 * ElastiCacheRedis component does both). A hand edit or another component
 * that drops either fails the preview.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

export const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";

function checkRedis(args: ResourceValidationArgs, report: ReportViolation): void {
  if (args.type !== REPLICATION_GROUP) return;
  const what = `ElastiCache replication group ${args.name}`;
  if (args.props.transitEncryptionEnabled !== true) report(`${what} has no TLS in transit: set transitEncryptionEnabled: true (kas's redis.tls.enabled).`);
  // Key presence only: in a first preview the generated token is unknown, and reading it would skip the policy.
  const keys = Object.keys(args.props);
  if (!keys.includes("authToken") && !keys.includes("authTokenWo") && !keys.includes("userGroupIds")) {
    report(`${what} asks no password: set authToken (or RBAC user groups), as the ElastiCacheRedis component does.`);
  }
}

export const redisTlsAndAuth: ResourceValidationPolicy = {
  name: "redis-tls-and-auth",
  description: "ElastiCache Redis speaks TLS and asks for an auth token.",
  enforcementLevel: "mandatory",
  validateResource: checkRedis,
};
