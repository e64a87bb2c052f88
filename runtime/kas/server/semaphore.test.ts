import { Semaphore } from "./semaphore";

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test("runs at most `limit` tasks at once, the others in arrival order", async () => {
  const s = new Semaphore(2);
  const started: number[] = [];
  const finish: (() => void)[] = [];
  const runs = [0, 1, 2, 3].map((i) =>
    s.run(async () => {
      started.push(i);
      await new Promise<void>((r) => finish.push(r));
      return i;
    }),
  );
  await tick();
  expect(started).toEqual([0, 1]);
  expect([s.active, s.waiting]).toEqual([2, 2]);
  finish[1]!();
  await tick();
  await tick();
  expect(started).toEqual([0, 1, 2]);
  finish[0]!();
  finish[2]!();
  await tick();
  await tick();
  finish[3]!();
  expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
  expect([s.active, s.waiting]).toEqual([0, 0]);
});

test("a failing task gives its turn back; the error reaches its caller", async () => {
  const s = new Semaphore(1);
  await expect(s.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
  expect(await s.run(() => Promise.resolve("next"))).toBe("next");
  expect(s.active).toBe(0);
});

test("a waiting task starts on a later turn of the event loop (what the finished one wrote can go out first)", async () => {
  const s = new Semaphore(1);
  const order: string[] = [];
  const first = s.run(async () => {
    order.push("first");
    setImmediate(() => order.push("io of first"));
  });
  const second = s.run(async () => void order.push("second"));
  await Promise.all([first, second]);
  expect(order).toEqual(["first", "io of first", "second"]);
});

test("a limit below 1 is refused", () => {
  expect(() => new Semaphore(0)).toThrow("at least 1");
});
