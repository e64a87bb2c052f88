/**
 * The gitops-agent RBAC policy pack: `pulumi preview --policy-pack infra/policy`.
 * The policies live in ./policies so tests can call them without starting a pack.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("gitops-agent-rbac", { policies, enforcementLevel: "mandatory" });
