import { parseAgentConfig } from "./parse";
import { ParsePool } from "./parse-pool";

const ctx = { file: "g/evil:.gitlab/agents/mallory/config.yaml", configProjectId: "g/evil" };
/** About 128 KiB of unknown keys: the file that blocked kas for half a second per parse. */
const flood = Buffer.from(Array.from({ length: 16_000 }, (_, i) => `k${i.toString(36)}: 1`).join("\n") + "\n");
const valid = Buffer.from(`gitops:\n  manifest_projects:\n  - id: g/evil\n    default_namespace: evil\n${"# padding\n".repeat(1500)}`);

let pool: ParsePool;
afterEach(() => pool?.close());

test("a large file is parsed in the worker to the very result an inline parse gives; a small one inline", async () => {
  pool = new ParsePool();
  expect(flood.length).toBeGreaterThan(8 * 1024);
  const [a, b, small] = await Promise.all([pool.parse(flood, ctx), pool.parse(valid, ctx), pool.parse(Buffer.from("gitops: {}\n"), ctx)]);
  expect(a).toEqual(parseAgentConfig(flood, ctx));
  expect(a.ok).toBe(false);
  expect(b).toEqual(parseAgentConfig(valid, ctx));
  expect(b.ok).toBe(true);
  expect(small).toEqual(parseAgentConfig(Buffer.from("gitops: {}\n"), ctx));
}, 30_000);

test("a parse over its deadline is an error naming the file; the worker is replaced and the queue goes on", async () => {
  pool = new ParsePool({ timeoutMs: 1 });
  const [late, later] = await Promise.all([pool.parse(flood, ctx), pool.parse(flood, ctx)]);
  for (const r of [late, later]) {
    expect(r).toMatchObject({ ok: false, error: `${ctx.file}: cannot be parsed within kas's limits (parsing took longer than 0.001 s); simplify the file` });
  }
}, 30_000);

test("after close, parses are done inline", async () => {
  pool = new ParsePool();
  await pool.close();
  expect(await pool.parse(flood, ctx)).toEqual(parseAgentConfig(flood, ctx));
});

test("the worker ends after idleMs without work, and a later parse starts a new one", async () => {
  pool = new ParsePool({ idleMs: 50 });
  await pool.parse(flood, ctx);
  const p = pool;
  await new Promise<void>((resolve) => {
    const check = (): void => (p.hasWorker ? void setTimeout(check, 20) : resolve());
    check();
  });
  expect(pool.hasWorker).toBe(false);
  expect(await pool.parse(flood, ctx)).toEqual(parseAgentConfig(flood, ctx));
}, 30_000);
