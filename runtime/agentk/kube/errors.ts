/** A non-2xx answer from the apiserver, with its Status reason ("Forbidden", "Invalid", "NotFound", ...). */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
  }

  static from(status: number, body: string, method: string, path: string): KubeApiError {
    try {
      const s = JSON.parse(body) as { reason?: unknown; message?: unknown };
      if (typeof s.message === "string") {
        return new KubeApiError(status, typeof s.reason === "string" ? s.reason : String(status), s.message, method, path);
      }
    } catch {
      // not a Status object
    }
    return new KubeApiError(status, String(status), `${method} ${path}: HTTP ${status}: ${body.slice(0, 300)}`, method, path);
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof KubeApiError && err.status === 409;

/**
 * Worth asking again: the server was unavailable or overloaded (5xx, 429), or the
 * request never got an answer (a reset, a refused connection). Any other status
 * (403, 400, ...) will be the same answer next time.
 */
export const isTransient = (err: unknown): boolean => !(err instanceof KubeApiError) || err.status >= 500 || err.status === 429;

/**
 * The object itself was refused for what it says: 422 Invalid, or the 500 that
 * server-side apply answers when a field does not fit the schema
 * ("failed to create typed patch object ... expected numeric, got string"),
 * which is no failure of the server.
 */
export const isRejectedObject = (err: unknown): boolean =>
  err instanceof KubeApiError && (err.status === 422 || (err.status === 500 && /failed to create typed (patch|live) object/.test(err.message)));

/** An error for a person: a Status reason and message (`Forbidden: ...`), or the error's own message (`socket hang up`). */
export function errorMessage(err: unknown): string {
  if (isRejectedObject(err)) return `rejected by the API server: ${(err as KubeApiError).message}`;
  if (err instanceof KubeApiError) return `${err.reason}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
