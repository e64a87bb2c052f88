import { EventEmitter } from "node:events";
import { createLogger } from "../common";
import { guardProcess, isPeerFault } from "./guard";

function fakeProcess(): EventEmitter & { exitCode?: number; exit(code: number): void } {
  const p = new EventEmitter() as EventEmitter & { exitCode?: number; exit(code: number): void };
  p.exit = (code) => void (p.exitCode = code);
  return p;
}

const err = (code: string, stack?: string): Error => Object.assign(new Error(code), { code, ...(stack ? { stack } : {}) });

test.each([
  ["a reset connection", err("ECONNRESET"), true],
  ["a write to a closed pipe", err("EPIPE"), true],
  ["an HTTP/2 session error", err("ERR_HTTP2_SESSION_ERROR"), true],
  ["the JSStreamSocket assertion", err("ERR_INTERNAL_ASSERTION", "Error\n    at JSStreamSocket.doWrite (node:internal/js_stream_socket:167:5)"), true],
  ["another internal assertion", err("ERR_INTERNAL_ASSERTION", "Error\n    at somewhere (node:internal/fs:1:1)"), false],
  ["a TypeError in kas", new TypeError("x is undefined"), false],
  ["a thrown string", "boom", false],
])("%s is a peer fault: %s", (_what, e, expected) => {
  expect(isPeerFault(e)).toBe(expected);
});

test("a peer fault is logged, dead connections are dropped, and the process goes on; a bug in kas exits", () => {
  const lines: string[] = [];
  const proc = fakeProcess();
  let dropped = 0;
  const unguard = guardProcess(createLogger({ write: (l) => void lines.push(l) }), () => dropped++, proc);
  proc.emit("uncaughtException", err("ECONNRESET"));
  proc.emit("unhandledRejection", err("ERR_STREAM_PREMATURE_CLOSE"));
  expect(dropped).toBe(2);
  expect(proc.exitCode).toBeUndefined();
  expect(lines.join("")).toMatch(/dropping dead connections/);
  proc.emit("uncaughtException", new TypeError("x is undefined"));
  expect(proc.exitCode).toBe(70);
  unguard();
  expect(proc.listenerCount("uncaughtException")).toBe(0);
});
