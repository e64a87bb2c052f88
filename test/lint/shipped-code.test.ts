/**
 * Shipped folders (runtime/, built into the image, and infra/, the Pulumi
 * components) hold no test fakes and import nothing from test/: fakes of
 * GitLab's servers live in test/fakes.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");

function shippedFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === "testdata" || name === "__snapshots__" ? [] : shippedFiles(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

const files = ["runtime", "infra"].flatMap((d) => shippedFiles(path.join(root, d))).map((p) => path.relative(root, p));

test("the shipped folders have files to check", () => {
  expect(files.length).toBeGreaterThan(100);
});

test("no fake is shipped: fakes live in test/fakes", () => {
  expect(files.filter((f) => /(^|\/)fake[^/]*\.ts$/.test(f))).toEqual([]);
});

test("no shipped file imports from test/", () => {
  const offenders = files.filter((f) => /from\s+"(\.\.\/)+test\//.test(readFileSync(path.join(root, f), "utf8")));
  expect(offenders).toEqual([]);
});
