/**
 * Runs `work` for the latest value only: while one run is in progress, newer
 * values replace each other and the last one runs next. A newer commit thus
 * supersedes one not yet sent, and a batch is never interleaved with another.
 */
export function latestOnly<T>(work: (value: T) => Promise<void>, onError: (err: unknown) => void): (value: T) => void {
  let running = false;
  let pending: { value: T } | undefined;
  const loop = async (): Promise<void> => {
    running = true;
    while (pending) {
      const { value } = pending;
      pending = undefined;
      try {
        await work(value);
      } catch (err) {
        onError(err);
      }
    }
    running = false;
  };
  return (value: T) => {
    pending = { value };
    if (!running) void loop();
  };
}
