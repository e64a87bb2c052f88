/**
 * The runtime package (runtime/, npm name gitops-agent) on its own, as a user
 * or the image gets it: `npm pack`, then an install of that tarball alone into
 * an empty folder. It must carry no Pulumi and no dev tool, and its commands
 * must run from any directory, on this machine's Node and the image's LTS.
 * The installed size is printed (the image's node_modules were 305 MiB when
 * the runtime and Pulumi shared one package).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { ensureNodeLts } from "../image";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
let dir: string;
let app: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "runtime-package-"));
  await run("npm", ["run", "--silent", "build:dist"], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const { stdout } = await run("npm", ["pack", "--silent", "--workspace", "gitops-agent", "--pack-destination", dir], { cwd: ROOT });
  const tarball = path.join(dir, stdout.trim().split("\n").at(-1)!);
  app = path.join(dir, "app");
  await run("mkdir", ["-p", app]);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ private: true }));
  await run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline", tarball], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the tarball installs alone: no Pulumi, no dev tool, no test or TypeScript source", async () => {
  const modules = path.join(app, "node_modules");
  expect(existsSync(path.join(modules, "@pulumi"))).toBe(false);
  for (const dev of ["typescript", "ts-node", "jest", "eslint"]) expect(existsSync(path.join(modules, dev))).toBe(false);
  const shipped = (await run("find", [path.join(modules, "gitops-agent"), "-type", "f"])).stdout.split("\n").filter(Boolean);
  expect(shipped.filter((f) => /\.test\.|\.ts$|\/test\//.test(f))).toEqual([]);
  const { stdout } = await run("du", ["-sm", modules]);
  const packages = readdirSync(modules).filter((n) => !n.startsWith(".")).length;
  process.stdout.write(`runtime package installed alone: node_modules ${stdout.split("\t")[0]} MiB, ${packages} top-level entries\n`);
});

test.each([
  ["this machine's Node", async () => process.execPath],
  ["the image's Node.js LTS", ensureNodeLts],
] as const)("kas, agentk and gitops-agent run from any directory on %s", async (_label, nodeBinary) => {
  const node = await nodeBinary();
  const bin = (name: string) => path.join(app, "node_modules", ".bin", name);
  // Through node explicitly (the chosen version) and directly (the shebang), from / as the working directory.
  const kas = await run(node, [bin("kas"), "--help"], { cwd: "/" });
  expect(kas.stdout).toContain("--config <kas.yaml>");
  const agentk = await run(node, [bin("agentk"), "--version"], { cwd: "/" });
  expect(agentk.stdout).toMatch(/^agentk \d+\.\d+\.\d+/);
  const entry = await run(bin("gitops-agent"), ["agentk", "generate", "--help"], { cwd: "/" });
  expect(entry.stdout).toContain("--kas-address");
  const kubeconfig = await run(bin("gitops-agent"), ["kubeconfig", "--help"], { cwd: "/" });
  expect(kubeconfig.stdout).toMatch(/^Usage:\n {2}gitops-agent kubeconfig --kas <https url>/);
  const preview = await run(bin("gitops-agent"), ["preview", "--help"], { cwd: "/" });
  expect(preview.stdout).toMatch(/^Usage:\n {2}gitops-agent preview --kas <https url> --agent <name \| config-project:name> --commit <sha>/);
  const wait = await run(bin("gitops-agent"), ["wait", "--help"], { cwd: "/" });
  expect(wait.stdout).toMatch(/^Usage:\n {2}gitops-agent wait --kas <https url> --agent /);
});
