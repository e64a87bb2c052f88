/**
 * What the image's config adds to a container besides its files: ENV, WORKDIR
 * and USER of the Dockerfile's final stage (read from the Dockerfile, so they
 * cannot drift), over the base image's PATH.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

/** The official node image's PATH (its other ENV, NODE_VERSION and YARN_VERSION, nothing here reads). */
const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface ImageConfig {
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string;
  readonly user: { readonly uid: number; readonly gid: number };
}

export function imageConfig(dockerfile = path.resolve(__dirname, "../../Dockerfile")): ImageConfig {
  const lines = readFileSync(dockerfile, "utf8").replace(/\\\n/g, " ").split("\n").map((l) => l.trim());
  const args: Record<string, string> = {};
  let env: Record<string, string> = {};
  let workingDir = "/";
  let user = { uid: 0, gid: 0 };
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const text = rest.join(" ");
    switch (instruction?.toUpperCase()) {
      case "FROM":
        env = { PATH: BASE_PATH };
        workingDir = "/";
        user = { uid: 0, gid: 0 };
        break;
      case "ARG":
        for (const [k, v] of pairs(text, {})) args[k] = v;
        break;
      case "ENV":
        for (const [k, v] of pairs(text, { ...args, ...env })) env[k] = v;
        break;
      case "WORKDIR":
        workingDir = path.posix.resolve(workingDir, text);
        break;
      case "USER": {
        const [u, g] = text.split(":");
        if (!/^\d+$/.test(u ?? "") || !/^\d*$/.test(g ?? "")) throw new Error(`Dockerfile USER ${text}: the runner needs numeric ids`);
        user = { uid: Number(u), gid: g ? Number(g) : Number(u) };
        break;
      }
    }
  }
  return { env, workingDir, user };
}

/** `K=V K2="v ${X}"` pairs, with `${X}` from vars. */
function pairs(text: string, vars: Readonly<Record<string, string>>): [string, string][] {
  const out: [string, string][] = [];
  for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|\S*))?/g)) {
    const raw = (m[2] ?? "").replace(/^"(.*)"$/, "$1");
    out.push([m[1]!, raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_s, a?: string, b?: string) => vars[(a ?? b)!] ?? "")]);
  }
  return out;
}
