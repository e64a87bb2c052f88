import { createLogger } from "./logger";
import { rateLimitedLog } from "./rate-limited";

test("writes the first lines of each window, counts the rest, and says how many it dropped", () => {
  const lines: Record<string, unknown>[] = [];
  let t = 0;
  const logger = createLogger({ write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const log = rateLimitedLog(logger, "warn", "refused", { perWindow: 3, windowMs: 1000, now: () => t });
  for (let i = 0; i < 500; i++) log({ peer: `p${i}` });
  expect(lines.map((l) => l.peer)).toEqual(["p0", "p1", "p2"]);
  t = 1000;
  log({ peer: "later" });
  expect(lines).toHaveLength(4);
  expect(lines[3]).toMatchObject({ level: "warn", msg: "refused", peer: "later", suppressed: 497 });
});
