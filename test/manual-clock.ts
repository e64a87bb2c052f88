/** A clock (ThrottleClock: now, setTimeout, clearTimeout) a test moves by hand: timers fire when advance() passes them. */

/** The shape of agentk's ThrottleClock (progress throttle, report sender), plus the hand that moves it. */
export interface ManualClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  advance(ms: number): void;
}

export function manualClock(): ManualClock {
  let t = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  return {
    now: () => t,
    setTimeout: (fn, ms) => {
      const id = ++ids;
      timers.push({ at: t + ms, fn, id });
      return id;
    },
    clearTimeout: (h) => void (timers = timers.filter((x) => x.id !== h)),
    advance(ms) {
      t += ms;
      const due = timers.filter((x) => x.at <= t);
      timers = timers.filter((x) => x.at > t);
      due.forEach((x) => x.fn());
    },
  };
}
