/** AgentConfigs over a real GitSource and the real parser. */
import * as path from "node:path";
import { parseAgentConfig } from "../agentcfg";
import { GitSource } from "../git";
import { commitFiles, git, makeRepo, removeDir, tempDir } from "../../../test/git";
import { AgentConfigs, NO_FILE } from "./agent-configs";
import type { AgentConfigParser } from "./context";

const A = ".gitlab/agents/a/config.yaml";
const B = ".gitlab/agents/b/config.yaml";
const VALID = "gitops:\n  manifest_projects:\n  - id: group/manifests\n";
const WITH_WARNING = `${VALID}container_scanning:\n  cadence: "0 0 * * *"\n`;

let dir: string;
let repo: string;
let parses: string[];
let configs: AgentConfigs;
let source: GitSource;
beforeAll(async () => {
  dir = await tempDir();
  repo = path.join(dir, "config");
});
afterAll(() => removeDir(dir));
beforeEach(() => {
  source = new GitSource({ projects: [{ id: "group/config", url: repo }] });
  parses = [];
  const counting: AgentConfigParser = (input, ctx) => {
    parses.push(ctx.file);
    return parseAgentConfig(input, ctx);
  };
  configs = new AgentConfigs(source, counting);
});

test("at() names the file's blob, the same for a commit that leaves it as it was; NO_FILE when there is none", async () => {
  const first = await makeRepo(repo, { [A]: VALID });
  const second = await commitFiles(repo, { "other.yaml": "x: 1\n" });
  const blob = await git(repo, ["rev-parse", `${first}:${A}`]);
  expect(await configs.at("group/config", first, A)).toEqual({ blob });
  expect(await configs.at("group/config", second, A)).toEqual({ blob });
  expect(await configs.at("group/config", second, B)).toEqual({ blob: NO_FILE });
});

test("a file kas cannot use is an error result, and an unavailable source throws", async () => {
  const commit = await commitFiles(repo, { [B]: { symlink: "../../../../etc/passwd" } });
  const at = await configs.at("group/config", commit, B);
  expect(at).toEqual({ unreadable: { ok: false, error: expect.stringContaining("points outside the repository") } });
  const big = await commitFiles(repo, { [B]: `# ${"x".repeat(130 * 1024)}\n` });
  const bigAt = await configs.at("group/config", big, B);
  expect(await configs.load("group/config", (bigAt as { blob: string }).blob, B)).toEqual({ ok: false, error: expect.stringContaining("131072") });
  const gone = new AgentConfigs(new GitSource({ projects: [{ id: "group/config", url: path.join(dir, "nowhere") }] }), parseAgentConfig);
  await expect(gone.at("group/config", big, B)).rejects.toThrow("not a git repository");
});

test("a blob is parsed once; a valid file without warnings is shared by every agent with it, one with warnings or errors is per file", async () => {
  const commit = await commitFiles(repo, { [A]: VALID, [B]: VALID });
  const blob = ((await configs.at("group/config", commit, A)) as { blob: string }).blob;
  expect(((await configs.at("group/config", commit, B)) as { blob: string }).blob).toBe(blob);
  const a = await configs.load("group/config", blob, A);
  expect(a.ok && a.config.gitops.manifest_projects[0]?.id).toBe("group/manifests");
  expect(await configs.load("group/config", blob, B)).toBe(a);
  expect(parses).toEqual([`group/config:${A}`]);

  const warned = await commitFiles(repo, { [A]: WITH_WARNING, [B]: WITH_WARNING });
  const wblob = ((await configs.at("group/config", warned, A)) as { blob: string }).blob;
  const wa = await configs.load("group/config", wblob, A);
  const wb = await configs.load("group/config", wblob, B);
  expect(await configs.load("group/config", wblob, A)).toBe(wa);
  expect(wa.ok && wa.warnings.join()).toContain("container_scanning");
  expect(wb).not.toBe(wa); // warnings may name the file: each agent's own
  expect(parses.slice(1)).toEqual([`group/config:${A}`, `group/config:${B}`]);

  const bad = await commitFiles(repo, { [A]: "gitops: [\n", [B]: "gitops: [\n" });
  const bblob = ((await configs.at("group/config", bad, A)) as { blob: string }).blob;
  const ba = await configs.load("group/config", bblob, A);
  const bb = await configs.load("group/config", bblob, B);
  expect(!ba.ok && ba.error).toContain(A);
  expect(!bb.ok && bb.error).toContain(B);

  const none = await configs.load("group/config", NO_FILE, ".gitlab/agents/c/config.yaml");
  expect(none.ok && none.config.gitops.manifest_projects).toEqual([]);
});

test("streams asking for one invalid file at once share one read and one parse (a 128 KiB file of errors took ~0.5 s each)", async () => {
  const errors = Array.from({ length: 2000 }, (_, i) => `k${i}: 1`).join("\n") + "\n";
  const commit = await commitFiles(repo, { [A]: errors });
  const blob = ((await configs.at("group/config", commit, A)) as { blob: string }).blob;
  const results = await Promise.all(Array.from({ length: 5 }, () => configs.load("group/config", blob, A)));
  expect(results.every((r) => r === results[0] && !r.ok)).toBe(true);
  expect(parses).toEqual([`group/config:${A}`]);
});
