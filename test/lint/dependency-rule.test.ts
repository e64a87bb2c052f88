/**
 * The dependency rule of DESIGN.md, enforced by the real linter: kas and
 * agentk never import each other; infra imports no runtime code.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
const eslintBin = path.join(root, "node_modules/eslint/bin/eslint.js");

function lint(filename: string, source: string): { code: number | null; output: string } {
  const res = spawnSync(process.execPath, [eslintBin, "--stdin", "--stdin-filename", filename], {
    cwd: root,
    input: source,
    encoding: "utf8",
  });
  return { code: res.status, output: res.stdout + res.stderr };
}

describe("lint: dependency rule", () => {
  test.each([
    ["runtime/kas/server.ts", 'import { run } from "../agentk";', "runtime/kas must not import runtime/agentk"],
    ["runtime/kas/x/y.ts", 'import { run } from "../../agentk/worker";', "runtime/kas must not import runtime/agentk"],
    ["runtime/agentk/main.ts", 'import { serve } from "../kas/server";', "runtime/agentk must not import runtime/kas"],
    ["infra/index.ts", 'import { serve } from "../runtime/kas/server";', "infra imports no runtime code"],
  ])("%s importing across the boundary is an error", (file, source, message) => {
    const res = lint(file, `${source}\nexport const used = run ?? serve;\ndeclare const run: unknown, serve: unknown;\n`);
    expect(res.output).toContain(message);
    expect(res.code).toBe(1);
  });

  test.each([
    ["runtime/kas/server.ts", 'import { x } from "../rpc";'],
    ["runtime/agentk/main.ts", 'import { x } from "../common";'],
  ])("%s importing rpc/common is allowed", (file, source) => {
    const res = lint(file, `${source}\nexport const y = x;\n`);
    expect(res.output).toBe("");
    expect(res.code).toBe(0);
  });
});
