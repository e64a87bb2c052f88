/** Runs test/routing/private-api-attacker.ts in its own process (so a test measures kas's memory, not the attacker's). */
import { spawn } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");

/** `rounds` rounds against host:port; "basic": 4 bad calls a round, "full": 8 (adds replays, an expired token and a garbage connection). */
export function runAttacker(target: string, secret: string, rounds: number, mix: "basic" | "full" = "full"): Promise<void> {
  const child = spawn(process.execPath, ["-r", path.join(root, "node_modules/ts-node/register/transpile-only"), path.join(root, "test/routing/private-api-attacker.ts"), target, secret, String(rounds), mix], {
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, "tsconfig.json") },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return new Promise((resolve, reject) => child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the attacker exited ${code}`)))));
}
