/**
 * Error lists cut to a size a person reads and a stream, a log line and the
 * status page carry: a 128 KiB file of 16,000 unknown keys made 16,000 errors
 * and a 1.6 MB message, sent to the agent and logged on every change (pure).
 */

/** Errors reported in full; the rest are counted. */
export const MAX_REPORTED_ERRORS = 50;
/** The reported errors together, in UTF-16 code units (about bytes: messages are mostly ASCII). */
export const MAX_ERRORS_CHARS = 16 * 1024;
/** One error; a longer one (it quotes a long key, say) is cut. */
export const MAX_ERROR_CHARS = 1024;

/**
 * The first errors (at most MAX_REPORTED_ERRORS, at most MAX_ERRORS_CHARS
 * together, each at most MAX_ERROR_CHARS), then a line counting the others:
 * `... and 15950 more errors`.
 */
export function summarizeErrors(errors: readonly string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const error of errors) {
    const line = error.length > MAX_ERROR_CHARS ? `${error.slice(0, MAX_ERROR_CHARS - 3)}...` : error;
    if (out.length === MAX_REPORTED_ERRORS || chars + line.length + 1 > MAX_ERRORS_CHARS) break;
    out.push(line);
    chars += line.length + 1;
  }
  const more = errors.length - out.length;
  if (more > 0) out.push(`... and ${more} more error${more === 1 ? "" : "s"}`);
  return out;
}
