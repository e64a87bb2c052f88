/**
 * The wait: ask kas every interval until the commit's sync succeeded or
 * failed, or the time is up; print a line whenever what kas says changes.
 * Clock and sleep are injected, so the loop is tested without waiting.
 */
import { describeCommitStatus, describeObjects, type CommitStatusWire } from "../commit-status";
import type { Poll } from "./ask";

export interface WaitLoopDeps {
  ask(): Promise<Poll>;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** One line of output (no newline). */
  print(line: string): void;
}

export type WaitOutcome = { readonly ok: true } | { readonly ok: false; readonly lines: readonly string[] };

const seconds = (ms: number): string => `${Math.round(ms / 1000)}s`;

export async function waitLoop(deps: WaitLoopDeps, timeoutMs: number, intervalMs: number): Promise<WaitOutcome> {
  const start = deps.now();
  let said = "";
  let last: CommitStatusWire | undefined;
  let lastProblem: string | undefined;
  for (;;) {
    const poll = await deps.ask();
    const line = poll.kind === "answer" ? describeCommitStatus(poll.answer) : poll.message;
    // A failure or refusal is said once, by the outcome.
    const final = poll.kind === "refused" || (poll.kind === "answer" && poll.answer.state === "failed");
    if (line !== said && !final) deps.print(`[${seconds(deps.now() - start)}] ${line}`);
    said = line;
    if (poll.kind === "refused") return { ok: false, lines: [poll.message] };
    if (poll.kind === "answer") {
      last = poll.answer;
      lastProblem = undefined;
      if (last.state === "succeeded") return { ok: true };
      if (last.state === "failed") return { ok: false, lines: [describeCommitStatus(last), ...objectLines(last)] };
    } else lastProblem = poll.message;
    const left = start + timeoutMs - deps.now();
    if (left <= 0) return { ok: false, lines: timedOut(timeoutMs, last, lastProblem) };
    await deps.sleep(Math.min(intervalMs, left));
  }
}

function objectLines(w: CommitStatusWire): string[] {
  return w.result ? describeObjects(w.result).map((l) => `  ${l}`) : [];
}

function timedOut(timeoutMs: number, last: CommitStatusWire | undefined, problem: string | undefined): string[] {
  const head = `timed out after ${seconds(timeoutMs)}`;
  if (problem !== undefined) return [`${head}: ${problem}`];
  if (last === undefined) return [head];
  const lines = objectLines(last);
  return [`${head}: ${describeCommitStatus(last)}`, ...(lines.length > 0 ? ["  not Current yet:", ...lines.map((l) => `  ${l}`)] : [])];
}
