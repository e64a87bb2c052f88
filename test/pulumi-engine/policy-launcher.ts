import { chmodSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** Single-quoted for sh. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes an executable policy-pack launcher into `dir` and returns its path,
 * for `preview({ policyPacks: [path] })`. The engine runs a pack directory
 * through the Node.js language host (not available here); an executable path
 * it runs directly with the engine's address as "$1", and the script serves
 * the pack as `pulumi-language-nodejs` would: @pulumi/pulumi's run-policy-pack
 * in the pack's folder, which prints the Analyzer's port.
 */
export function writePolicyLauncher(dir: string, packDir: string, nodeModules: string, name: string): string {
  const launcher = path.join(dir, `policy-${name}.sh`);
  const runPolicyPack = path.join(nodeModules, "@pulumi", "pulumi", "cmd", "run-policy-pack");
  writeFileSync(
    launcher,
    [
      "#!/bin/sh",
      `cd ${shQuote(packDir)} || exit 1`,
      `exec ${shQuote(process.execPath)} ${shQuote(runPolicyPack)} "$1" .`,
      "",
    ].join("\n"),
  );
  chmodSync(launcher, 0o755);
  return launcher;
}
