/**
 * A real headless Chromium for tests (Debian's `chromium` package; .ci/run
 * installs it), driven by playwright-core without downloading a browser.
 * A test that needs it and cannot find it fails and says how to get it.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** The Chromium binary, or an error saying how to get it. */
export function chromiumBinary(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  try {
    return execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" }).trim().split("\n")[0] as string;
  } catch {
    throw new Error("chromium is not installed: `apt-get update && apt-get install -y chromium` (.ci/run does this on a fresh machine), or set CHROMIUM_PATH");
  }
}

/** Launches headless Chromium with no network beyond what the page asks of loopback. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumBinary(), headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}

/** Where tests save screenshots: test-artifacts/screenshots (ignored by git; CI keeps the folder). */
export function screenshotPath(name: string): string {
  const dir = path.resolve(__dirname, "../../test-artifacts/screenshots");
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}

/**
 * Collects what `page` reports as errors from now on: script errors and
 * console errors (a Content-Security-Policy violation is one), except the
 * 401 of a sign-in page, which the console answers on purpose.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && !/401 \(Unauthorized\)/.test(m.text()) && errors.push(m.text())));
  page.on("pageerror", (e) => void errors.push(e.message));
  return errors;
}
