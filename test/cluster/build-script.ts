import { spawn } from "node:child_process";

/**
 * Runs a cached-build script (test/cluster/build.sh, test/pulumi-engine/build.sh):
 * its stderr lines are progress for a person, a non-zero exit rejects with
 * the last 4000 characters of that stderr.
 */
export async function runBuildScript(script: string, what: string, onProgress?: (line: string) => void): Promise<void> {
  const progress = onProgress ?? ((line: string) => process.stderr.write(line + "\n"));
  await new Promise<void>((resolve, reject) => {
    const child = spawn("bash", [script], { stdio: ["ignore", "ignore", "pipe"] });
    let tail = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      tail = (tail + chunk).slice(-4000);
      for (const line of chunk.split("\n")) if (line.trim()) progress(line);
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${what} build failed (exit ${code}):\n${tail}`))));
  });
}
