import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { COMMIT_ENV, findPackageRoot, formatVersion, readBuildInfo } from "./version";

/** The runtime package (runtime/, the workspace named gitops-agent); the repository is its parent. */
const ROOT = path.resolve(__dirname, "..");
const REPO = path.dirname(ROOT);
let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), "version-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the package root is found from the sources (and from dist, which sits below it)", () => {
  expect(findPackageRoot(__dirname)).toBe(ROOT);
  expect(findPackageRoot(path.join(ROOT, "dist/common"))).toBe(ROOT);
  expect(findPackageRoot(os.tmpdir())).toBeUndefined();
});

test("the version is package.json's; the commit is $GITOPS_AGENT_COMMIT when set", () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
  expect(readBuildInfo(ROOT, { [COMMIT_ENV]: "abc1234" })).toEqual({ version: pkg.version, commit: "abc1234" });
});

test("in the repository, the commit is HEAD's", () => {
  const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim();
  expect(readBuildInfo(ROOT, {}).commit).toBe(head);
});

test("an installed copy inside another repository reports no commit, not that repository's", () => {
  const project = path.join(dir, "someone-elses-repo");
  const installed = path.join(project, "node_modules", "gitops-agent");
  execFileSync("mkdir", ["-p", installed]);
  execFileSync("git", ["init", "-q", project]);
  writeFileSync(path.join(installed, "package.json"), JSON.stringify({ name: "gitops-agent", version: "1.2.3" }));
  expect(readBuildInfo(installed, {})).toEqual({ version: "1.2.3", commit: "" });
});

test("outside a Git checkout, without the variable: the commit is unknown, not an error", () => {
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "gitops-agent", version: "9.9.9" }));
  expect(readBuildInfo(dir, {})).toEqual({ version: "9.9.9", commit: "" });
  expect(readBuildInfo(undefined, {})).toEqual({ version: "unknown", commit: "" });
});

test("formatVersion", () => {
  expect(formatVersion({ version: "0.1.0", commit: "abc1234" })).toBe("0.1.0 (commit abc1234)");
  expect(formatVersion({ version: "0.1.0", commit: "" })).toBe("0.1.0");
});
