/** The console's HTML pieces: escaping, times, and the page every view sits in. Pure. */
import { formatVersion, type BuildInfo } from "../../common";
import type { ConsoleViewer } from "./viewer";

/** Text and attribute values: every string that reaches the page goes through here. */
export const esc = (s: unknown): string =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function ago(iso: string | undefined, now: number): string {
  if (!iso) return "-";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "-";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** A time the page's script keeps relative (data-ago) while the page stays open. */
export const timeTag = (iso: string | undefined, now: number): string =>
  iso ? `<time datetime="${esc(iso)}" title="${esc(iso)}" data-ago>${esc(ago(iso, now))}</time>` : "-";

export function duration(ms: number | undefined): string {
  if (ms === undefined) return "-";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const shortCommit = (c: string | undefined): string => esc((c ?? "").slice(0, 12));

export interface PageFrame {
  readonly title: string;
  readonly kas: BuildInfo;
  /** Signed in: the sign-out button and who. */
  readonly viewer?: ConsoleViewer;
  /** Whether the page subscribes to live updates (/api/v1/events). */
  readonly live?: boolean;
  /** A script of kas's own after console.js (an /assets/ path), e.g. the workloads' log follower. */
  readonly script?: string;
  /**
   * Seconds between the page's own refreshes while it is visible (console.js
   * fetches it and swaps its [data-swap] parts; at least 10), for what the
   * live stream does not cover (pods). Undefined: only on `changed`.
   */
  readonly refreshSeconds?: number;
}

/** The whole document; `main` is already escaped HTML. No inline script or style: the CSP allows only /assets. */
export function page(frame: PageFrame, main: string): string {
  const who = frame.viewer ? `<span class="who">${frame.viewer.kind === "gitlab-user" ? `signed in as @${esc(frame.viewer.username)}` : "signed in with the API token"}</span>` : "";
  const signOut = frame.viewer ? `<form method="post" action="/sign-out" class="sign-out"><button type="submit">Sign out</button></form>` : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(frame.title)} · kas</title><link rel="stylesheet" href="/assets/console.css"><script src="/assets/console.js" defer></script>${frame.script ? `<script src="${esc(frame.script)}" defer></script>` : ""}</head>
<body${frame.live ? ' data-live="/api/v1/events"' : ""}${frame.refreshSeconds ? ` data-refresh="${esc(frame.refreshSeconds)}"` : ""}><header><a class="home" href="/">kas console</a><span class="live-state" id="live-state"></span>${who}${signOut}</header>
<main id="live">${main}</main>
<footer>kas ${esc(formatVersion(frame.kas))}</footer></body></html>
`;
}
