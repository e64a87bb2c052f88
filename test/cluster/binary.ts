import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { runBuildScript } from "./build-script";

const BUILD_SCRIPT = path.join(__dirname, "build.sh");

/** Where the cached test-cluster binary lives for the current inputs (it may not exist yet). */
export function clusterBinaryPath(): string {
  return execFileSync("bash", [BUILD_SCRIPT, "--print-path"], { encoding: "utf8" }).trim();
}

export interface EnsureBinaryOptions {
  /** Build the binary when it is missing (minutes, cold). Default false: fail with the command to run. */
  readonly build?: boolean;
  /** Where build progress goes. Default: this process's stderr. */
  readonly onProgress?: (line: string) => void;
}

/**
 * Returns the path of the test-cluster binary. Tests call this without `build`:
 * a missing binary then fails the test with the command that builds it, never a skip.
 */
export async function ensureClusterBinary(options: EnsureBinaryOptions = {}): Promise<string> {
  const binary = clusterBinaryPath();
  if (existsSync(binary)) return binary;
  if (!options.build) {
    throw new Error(
      `test cluster binary not built: ${binary} is missing. Build it with \`npm run cluster:build\` ` +
        `(bash test/cluster/build.sh; needs Go and the Go module proxy, several minutes cold).`,
    );
  }
  await runBuildScript(BUILD_SCRIPT, "test cluster", options.onProgress);
  if (!existsSync(binary)) throw new Error(`test cluster build finished but ${binary} is missing`);
  return binary;
}
