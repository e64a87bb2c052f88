export { ensurePulumiEngine, pulumiEnginePaths, type EnsureEngineOptions, type PulumiEngine } from "./binary";
export { withPulumiStack, WORK_ROOT, type PulumiStackOptions, type PulumiStackRun } from "./stack";
export { writePolicyLauncher } from "./policy-launcher";
export { stepTimer, type StepTimer } from "./steps";
