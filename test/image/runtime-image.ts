/**
 * The image's contents without Docker: the same steps as the Dockerfile's
 * stages (build the runtime package; `npm ci --omit=dev --workspace
 * gitops-agent` at the lock's versions; the package's package.json and dist/
 * beside those node_modules), into a folder that plays the image's /app.
 * Cached by every input; built once per change, by the first test that asks.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { IMAGE_APP_DIR, IMAGE_ENTRYPOINT } from "../../runtime/common/deploy";
import { ensureNodeLts } from "./node-lts";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
/** The package files npm ci needs (every workspace's), as the Dockerfile copies them. */
const PACKAGE_FILES = ["package.json", "package-lock.json", "runtime/package.json", "infra/package.json"];

export interface RuntimeImage {
  /** Plays the image's IMAGE_APP_DIR: package.json, dist/, node_modules/. */
  readonly appDir: string;
  /** The image's Node.js (its NODE_VERSION), not this machine's. */
  readonly node: string;
}

/** The folder's image, built if its inputs changed. */
export async function ensureRuntimeImage(): Promise<RuntimeImage> {
  const node = await ensureNodeLts();
  const cacheRoot = path.join(process.env.GITOPS_AGENT_CACHE ?? path.join(os.homedir(), ".cache", "gitops-agent"), "runtime-image");
  const key = inputsKey();
  const appDir = path.join(cacheRoot, key, "app");
  if (!existsSync(path.join(appDir, "dist", "cli.js"))) await build(cacheRoot, key);
  return { appDir, node };
}

/** What a container of the image runs for these args: the ENTRYPOINT, mapped onto the folder, then the args. */
export async function imageCommand(args: readonly string[]): Promise<string[]> {
  const { appDir, node } = await ensureRuntimeImage();
  const [program, ...rest] = IMAGE_ENTRYPOINT;
  if (program !== "node") throw new Error(`IMAGE_ENTRYPOINT starts with ${program}; this helper runs node`);
  return [node, ...rest.map((a) => (a.startsWith(`${IMAGE_APP_DIR}/`) ? path.join(appDir, a.slice(IMAGE_APP_DIR.length + 1)) : a)), ...args];
}

async function build(cacheRoot: string, key: string): Promise<void> {
  mkdirSync(cacheRoot, { recursive: true });
  const tmp = mkdtempSync(path.join(cacheRoot, `${key}.tmp-`));
  try {
    // Stage "build": the runtime package's build script (tsc, then the .proto files beside the JS).
    await run("npm", ["run", "--silent", "build:dist"], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const app = path.join(tmp, "app");
    cpSync(path.join(ROOT, "runtime", "dist"), path.join(app, "dist"), { recursive: true });
    cpSync(path.join(ROOT, "runtime", "package.json"), path.join(app, "package.json"));
    // Stage "dependencies": production dependencies of the runtime workspace, exactly as locked.
    const deps = path.join(tmp, "deps");
    for (const file of PACKAGE_FILES) cpSync(path.join(ROOT, file), path.join(deps, file));
    await run("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--omit=dev", "--workspace", "gitops-agent", "--prefer-offline"], {
      cwd: deps,
      maxBuffer: 16 * 1024 * 1024,
    });
    for (const link of ["gitops-agent", "gitops-agent-infra"]) rmSync(path.join(deps, "node_modules", link), { force: true });
    renameSync(path.join(deps, "node_modules"), path.join(app, "node_modules"));
    rmSync(deps, { recursive: true, force: true });
    rmSync(path.join(cacheRoot, key), { recursive: true, force: true });
    renameSync(tmp, path.join(cacheRoot, key));
    // Keep only the current inputs' image.
    for (const entry of readdirSync(cacheRoot)) if (entry !== key) rmSync(path.join(cacheRoot, entry), { recursive: true, force: true });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    const stderr = (err as { stderr?: string }).stderr ?? "";
    throw new Error(`building the runtime image folder failed: ${err instanceof Error ? err.message : String(err)}\n${stderr}`);
  }
}

/** sha256 of every input of the image: the Dockerfile, the package files, the TypeScript config and the runtime's shipped sources. */
function inputsKey(): string {
  const files = ["Dockerfile", "tsconfig.json", "runtime/tsconfig.build.json", ...PACKAGE_FILES, ...runtimeSources(path.join(ROOT, "runtime"))];
  const hash = createHash("sha256");
  for (const file of files.sort()) hash.update(`${file}\0`).update(readFileSync(path.join(ROOT, file))).update("\0");
  return hash.digest("hex").slice(0, 16);
}

function runtimeSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name === "dist" || name === "node_modules") continue;
    if (statSync(full).isDirectory()) out.push(...runtimeSources(full));
    else if (/\.(ts|proto)$/.test(name) && !name.endsWith(".test.ts")) out.push(path.relative(ROOT, full));
  }
  return out;
}
