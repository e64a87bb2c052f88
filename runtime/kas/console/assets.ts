/**
 * The console's stylesheet and script, shipped in the package beside this
 * file (assets/; runtime/package.json's build copies them to dist) and read
 * once: no CDN, nothing fetched from elsewhere.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const TYPES: Record<string, string> = { ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8" };

/** The assets by URL path (`/assets/console.css`, `/assets/console.js`). */
export function loadAssets(dir = path.join(__dirname, "assets")): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of ["console.css", "console.js"]) {
    assets.set(`/assets/${name}`, { type: TYPES[path.extname(name)] as string, body: readFileSync(path.join(dir, name)) });
  }
  return assets;
}

/**
 * Only this kas's own script and stylesheet, no inline code, no framing: an
 * agent named `<script>` that slipped past escaping would still not run.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
