import { parseStackConfig, StackConfigError, type ConfigProblem } from "../infra/config";

/** The problems parseStackConfig reports for `raw`; fails when it accepts it. */
export function problemsOf(raw: Record<string, unknown>): ConfigProblem[] {
  try {
    parseStackConfig(raw);
  } catch (err) {
    if (err instanceof StackConfigError) return [...err.problems];
    throw err;
  }
  throw new Error("expected a StackConfigError");
}
