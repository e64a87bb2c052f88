/**
 * Polls `probe` every `everyMs` (default 250 ms) until it returns something other than undefined;
 * errors while polling are retried and the last one is reported on timeout,
 * with `context()` (e.g. a log tail) appended.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  context?: () => string,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const why = last ? `: ${String(last)}` : "";
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${why}${context ? `\n${context()}` : ""}`);
}
