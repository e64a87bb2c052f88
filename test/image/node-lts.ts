import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const SCRIPT = path.resolve(__dirname, "../node-lts/fetch.sh");

/**
 * The node binary of the image's Node.js LTS (Dockerfile: ARG NODE_VERSION),
 * fetched once into the cache by test/node-lts/fetch.sh. Fails with the
 * script's own message when it cannot be had; never falls back to this Node.
 */
export async function ensureNodeLts(): Promise<string> {
  try {
    const { stdout } = await run("bash", [SCRIPT], { maxBuffer: 1024 * 1024, timeout: 600_000 });
    return stdout.trim().split("\n").at(-1)!;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? "";
    throw new Error(`the image's Node.js LTS is not available (bash ${SCRIPT}):\n${stderr || String(err)}`);
  }
}
