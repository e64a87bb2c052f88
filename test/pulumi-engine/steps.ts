/** Times named steps of a test (engine operations, processes) for a summary line each: `name: 4.2 s`. */
export interface StepTimer {
  readonly times: readonly string[];
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export function stepTimer(): StepTimer {
  const times: string[] = [];
  return {
    times,
    async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const start = Date.now();
      try {
        return await fn();
      } finally {
        times.push(`${name}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
      }
    },
  };
}
