/**
 * Agent config parsing off kas's event loop. An agent controls its
 * config.yaml: 128 KiB of errors takes the YAML library about half a second,
 * and that half second stopped every other agent's streams (issue 13, item 4).
 * Small files (every real config) are parsed inline, where a worker's round
 * trip would cost more than the parse; larger ones go to one worker thread,
 * with a heap limit and a deadline, so a file can cost kas neither its event
 * loop nor its memory. A worker that dies or overruns is replaced.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { parseAgentConfig, type ParseContext, type ParseResult } from "./parse";

export interface ParsePoolOptions {
  /** Inputs up to this size are parsed inline. Default 8 KiB. */
  readonly inlineBytes?: number;
  /** A parse taking longer is abandoned (and the worker replaced). Default 10 s. */
  readonly timeoutMs?: number;
  /** The worker's V8 old-generation heap. Default 128 MiB. */
  readonly heapMiB?: number;
  /** The worker is ended after this long without work, giving its memory back (a flood is rare). Default 10 s. */
  readonly idleMs?: number;
}

interface Job {
  readonly id: number;
  readonly input: Buffer;
  readonly ctx: ParseContext;
  readonly resolve: (r: ParseResult) => void;
}

/**
 * The worker: plain JavaScript evaluated in the thread, which loads parse.js
 * (the image) or parse.ts through ts-node (bin/kas and the tests run the
 * TypeScript sources).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
if (workerData.file.endsWith(".ts")) {
  require(workerData.tsNode).register({ transpileOnly: true, projectSearchDir: require("node:path").dirname(workerData.file) });
}
const { parseAgentConfig } = require(workerData.file);
parentPort.on("message", (m) => parentPort.postMessage({ id: m.id, result: parseAgentConfig(Buffer.from(m.input), m.ctx) }));
`;

export class ParsePool {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private running: { job: Job; timer: NodeJS.Timeout } | undefined;
  private nextId = 0;
  private closed = false;
  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly options: ParsePoolOptions = {}) {}

  parse(input: Buffer, ctx: ParseContext): Promise<ParseResult> {
    if (input.length <= (this.options.inlineBytes ?? 8 * 1024) || this.closed) return Promise.resolve(parseAgentConfig(input, ctx));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, input, ctx, resolve });
      this.pump();
    });
  }

  /** Ends the worker; what is queued is parsed inline. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.idle) clearTimeout(this.idle);
    const worker = this.worker;
    this.worker = undefined;
    if (this.running) {
      clearTimeout(this.running.timer);
      this.queue.unshift(this.running.job);
      this.running = undefined;
    }
    for (const job of this.queue.splice(0)) job.resolve(parseAgentConfig(job.input, job.ctx));
    await worker?.terminate();
  }

  /** True while a worker is running (for tests of its idle end). */
  get hasWorker(): boolean {
    return this.worker !== undefined;
  }

  private pump(): void {
    if (this.running) return;
    if (this.queue.length === 0) return this.idleSoon();
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    const job = this.queue.shift() as Job;
    const worker = (this.worker ??= this.start());
    const timer = setTimeout(() => this.fail(`parsing took longer than ${(this.options.timeoutMs ?? 10_000) / 1000} s`), this.options.timeoutMs ?? 10_000);
    this.running = { job, timer };
    worker.postMessage({ id: job.id, input: job.input, ctx: job.ctx });
  }

  private idleSoon(): void {
    if (!this.worker || this.idle) return;
    this.idle = setTimeout(() => {
      this.idle = undefined;
      const worker = this.worker;
      this.worker = undefined;
      void worker?.terminate();
    }, this.options.idleMs ?? 10_000);
    this.idle.unref();
  }

  private start(): Worker {
    const ext = path.extname(__filename);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: path.join(__dirname, `parse${ext}`), tsNode: ext === ".ts" ? require.resolve("ts-node") : "" },
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMiB ?? 128 },
    });
    worker.unref();
    worker.on("message", (m: { id: number; result: ParseResult }) => {
      if (!this.running || this.running.job.id !== m.id) return;
      clearTimeout(this.running.timer);
      const { job } = this.running;
      this.running = undefined;
      job.resolve(m.result);
      this.pump();
    });
    worker.on("error", (err) => this.fail(`the parser failed: ${err.message}`));
    worker.on("exit", () => {
      if (this.worker === worker) this.fail("the parser stopped");
    });
    return worker;
  }

  /** The running job fails with `why`; the worker is replaced for the next one. */
  private fail(why: string): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    const running = this.running;
    this.running = undefined;
    if (running) {
      clearTimeout(running.timer);
      const error = `${running.job.ctx.file}: cannot be parsed within kas's limits (${why}); simplify the file`;
      running.job.resolve({ ok: false, error, errors: [error] });
    }
    if (!this.closed) this.pump();
  }
}
