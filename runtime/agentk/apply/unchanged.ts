import { ownsExactly } from "./owned-fields";

/**
 * Whether a server-side apply by `manager` would change nothing (pure):
 * every field the manifest sets already has that value in the live object,
 * and `manager` owns exactly those fields (ownsExactly). The values alone are
 * not enough: an apply also removes the fields we owned and no longer send,
 * so a key deleted from Git must be applied although every value left is live.
 * A manual edit of a field we own (drift) changes its value or takes it from
 * us, and makes this false; fields others own or the server defaults do not
 * matter. Representations the server normalizes (e.g. "0.5" CPU -> "500m")
 * compare unequal and cost one idempotent write, never a wrong skip.
 */
export function isUnchanged(desired: unknown, live: unknown, manager: string): boolean {
  return valuesLive(desired, live) && ownsExactly(desired, live, manager);
}

/** Every value `desired` sets is the same in `live`. */
function valuesLive(desired: unknown, live: unknown): boolean {
  if (desired === null || typeof desired !== "object") return desired === live;
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length && desired.every((d, i) => valuesLive(d, live[i]));
  }
  if (live === null || typeof live !== "object" || Array.isArray(live)) return false;
  const l = live as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(([k, v]) => {
    // A null in a manifest means "unset": equal when the live object does not have it.
    if (v === null) return l[k] === undefined || l[k] === null;
    return valuesLive(v, l[k]);
  });
}
