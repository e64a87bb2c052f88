/**
 * The workspaces are honest packages: each declares every package its shipped
 * sources import (so an install of that package alone runs), the runtime
 * declares no Pulumi (the image carries none), and versions agree.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
interface Manifest {
  name: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(path.join(ROOT, dir, "package.json"), "utf8")) as Manifest;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === "dist" || name === "node_modules") return [];
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [full] : [];
  });
}

/** Bare package names imported (statically or by import()) by the folder's shipped sources. */
function importedPackages(dir: string): string[] {
  const names = new Set<string>();
  for (const file of sources(path.join(ROOT, dir))) {
    const text = readFileSync(file, "utf8");
    const specs = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom "([^"]+)";/gm), ...text.matchAll(/\bimport\("([^"]+)"\)/g), ...text.matchAll(/^import "([^"]+)";/gm)];
    for (const m of specs) {
      const spec = m[1]!;
      if (spec.startsWith("node:") || spec.startsWith(".")) continue;
      names.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
    }
  }
  return [...names].sort();
}

test.each(["runtime", "infra"])("%s declares every package its shipped sources import", (dir) => {
  const declared = Object.keys(manifest(dir).dependencies ?? {});
  expect(importedPackages(dir).filter((name) => !declared.includes(name))).toEqual([]);
});

test("the runtime package depends on no Pulumi package, and the repository root ships nothing", () => {
  expect(Object.keys(manifest("runtime").dependencies ?? {}).filter((n) => n.startsWith("@pulumi/"))).toEqual([]);
  expect(manifest(".").dependencies).toBeUndefined();
});

test("infra depends on the runtime package at the runtime's own version, and has the same version", () => {
  const runtime = manifest("runtime");
  const infra = manifest("infra");
  expect(infra.version).toBe(runtime.version);
  expect(infra.dependencies?.[runtime.name]).toBe(runtime.version);
});
