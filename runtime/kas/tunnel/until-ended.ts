/**
 * `p`, or `closed()`'s error once `onEnd` fires. Not Promise.race against one
 * promise for the call's life: every race adds a reaction to that promise
 * which keeps the race's result (each message read, its data included)
 * reachable until the call ends, so a long response would stay in memory whole.
 */
export function untilEnded<T>(p: Promise<T>, onEnd: (fn: () => void) => () => void, closed: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const off = onEnd(() => reject(closed()));
    p.then(
      (v) => {
        off();
        resolve(v);
      },
      (err: unknown) => {
        off();
        reject(err);
      },
    );
  });
}
