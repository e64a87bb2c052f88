import { FailureLimiter } from "./failure-limiter";

const limits = { burst: 10, refillMs: 1_000, maxAddresses: 100 };

function clocked(): { limiter: FailureLimiter; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { limiter: new FailureLimiter(limits, () => t), advance: (ms) => void (t += ms) };
}

test("10 failures pass, the 11th is refused until one more refills (1 s), then one per second", () => {
  const { limiter, advance } = clocked();
  for (let i = 0; i < 10; i++) {
    expect(limiter.retryAfterMs("a")).toBe(0);
    limiter.failed("a");
  }
  expect(limiter.retryAfterMs("a")).toBe(1_000);
  advance(400);
  expect(limiter.retryAfterMs("a")).toBe(600);
  advance(600);
  expect(limiter.retryAfterMs("a")).toBe(0);
  limiter.failed("a");
  expect(limiter.retryAfterMs("a")).toBe(1_000);
  expect(limiter.retryAfterMs("b")).toBe(0);
});

test("a bucket refilled to full is forgotten", () => {
  const { limiter, advance } = clocked();
  limiter.failed("a");
  expect(limiter.size).toBe(1);
  advance(1_000);
  expect(limiter.retryAfterMs("a")).toBe(0);
  expect(limiter.size).toBe(0);
});

test("2000 distinct failing addresses keep at most maxAddresses, least recently failed evicted first", () => {
  const { limiter } = clocked();
  for (let i = 0; i < 10; i++) limiter.failed("attacker");
  for (let i = 0; i < 2000; i++) {
    limiter.failed(`10.0.${i >> 8}.${i & 255}`);
    limiter.failed("attacker"); // still failing: the most recent, never evicted
    expect(limiter.size).toBeLessThanOrEqual(limits.maxAddresses);
  }
  expect(limiter.size).toBe(limits.maxAddresses);
  expect(limiter.retryAfterMs("attacker")).toBeGreaterThan(0);
  expect(limiter.retryAfterMs("10.0.0.0")).toBe(0);
});
