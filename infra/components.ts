/**
 * The library entry of the infra package (`gitops-agent-infra/components`):
 * the Pulumi components and the pure planning they render, for a program of
 * your own. `index.ts` is this repository's program (Pulumi.yaml: main infra/).
 * Providers and dependencies go in the resource options, as for any component:
 * `new Agentk("agentk", args, { provider, dependsOn: [rbac] })`.
 */
export * from "./agent";
export * from "./eks";
export * from "./kas";
export * from "./rbac";
export { buildProgram, type ProgramOutputs } from "./program";
export { loadStackConfig, parseStackConfig, type StackConfig } from "./config";
