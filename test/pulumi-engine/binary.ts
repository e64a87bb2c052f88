import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { runBuildScript } from "../cluster";

const BUILD_SCRIPT = path.join(__dirname, "build.sh");

/** The built engine: `<root>/bin/pulumi` (PulumiCommand.get({ root }) finds it there) and the Kubernetes provider beside it. */
export interface PulumiEngine {
  /** The cache directory for the current inputs; `root/bin` holds both binaries. */
  readonly root: string;
  readonly binDir: string;
  readonly pulumi: string;
  readonly kubernetesProvider: string;
}

export interface EnsureEngineOptions {
  /** Build the binaries when they are missing (~22 CPU-minutes cold). Default false: fail with the command to run. */
  readonly build?: boolean;
  /** Where build progress goes. Default: this process's stderr. */
  readonly onProgress?: (line: string) => void;
}

/** Where the engine's binaries live for the current inputs (they may not exist yet). */
export function pulumiEnginePaths(): PulumiEngine {
  const binDir = execFileSync("bash", [BUILD_SCRIPT, "--print-path"], { encoding: "utf8" }).trim();
  return {
    root: path.dirname(binDir),
    binDir,
    pulumi: path.join(binDir, "pulumi"),
    kubernetesProvider: path.join(binDir, "pulumi-resource-kubernetes"),
  };
}

/**
 * Returns the paths of the built Pulumi CLI and Kubernetes provider. Tests call
 * this without `build`: missing binaries fail the test with the command that
 * builds them, never a skip (jest's globalSetup builds them first).
 */
export async function ensurePulumiEngine(options: EnsureEngineOptions = {}): Promise<PulumiEngine> {
  const engine = pulumiEnginePaths();
  const missing = [engine.pulumi, engine.kubernetesProvider].filter((p) => !existsSync(p));
  if (missing.length === 0) return engine;
  if (!options.build) {
    throw new Error(
      `Pulumi engine not built: ${missing.join(", ")} missing. Build it with \`bash test/pulumi-engine/build.sh\` ` +
        `(needs Go and the Go module proxy; ~22 CPU-minutes and 4.5 GiB of memory cold).`,
    );
  }
  await runBuildScript(BUILD_SCRIPT, "Pulumi engine", options.onProgress);
  const still = [engine.pulumi, engine.kubernetesProvider].filter((p) => !existsSync(p));
  if (still.length > 0) throw new Error(`Pulumi engine build finished but ${still.join(", ")} missing`);
  return engine;
}
