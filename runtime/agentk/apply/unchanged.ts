/**
 * Whether a server-side apply would change nothing (pure): every field the
 * manifest sets already has that value in the live object. These are exactly
 * the fields our field manager owns after an apply, so a manual edit of one
 * of them (drift) makes this false, while fields others own or the server
 * defaults do not matter. Representations the server normalizes (e.g. "0.5"
 * CPU -> "500m") compare unequal and cost one idempotent write, never a wrong skip.
 */
export function isUnchanged(desired: unknown, live: unknown): boolean {
  if (desired === null || typeof desired !== "object") return desired === live;
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length && desired.every((d, i) => isUnchanged(d, live[i]));
  }
  if (live === null || typeof live !== "object" || Array.isArray(live)) return false;
  const l = live as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(([k, v]) => {
    // A null in a manifest means "unset": equal when the live object does not have it.
    if (v === null) return l[k] === undefined || l[k] === null;
    return isUnchanged(v, l[k]);
  });
}
