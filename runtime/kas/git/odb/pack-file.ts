/**
 * One pack of a repository (`objects/pack/pack-*.pack` and its `.idx`): its
 * index in memory, the pack read in place through one descriptor.
 *
 * Entries are read synchronously: they are small, local and usually in the
 * page cache, where a positional read takes microseconds and an asynchronous
 * one costs more CPU than the read itself (git maps its packs for the same
 * reason).
 */
import * as fs from "node:fs";
import { applyDelta } from "./delta";
import { inflate } from "./inflate";
import { CorruptObjectError, type GitObject } from "./object";
import { PackIndex, type EntrySpan } from "./pack-index";
import { parseEntryHeader } from "./pack-entry";

/** Reads the object with id `oid` from anywhere in the repository (a delta's base). */
export type ReadBase = (oid: string) => Promise<GitObject>;

export class PackFile {
  private fd: number | undefined;

  private constructor(
    readonly name: string,
    private readonly index: PackIndex,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Opens `<base>.pack` with `<base>.idx`; undefined when either is gone or the index is not version 2. */
  static async open(base: string): Promise<PackFile | undefined> {
    const idx = await fs.promises.readFile(`${base}.idx`).catch(ignoreMissing);
    if (idx === undefined) return undefined;
    let fd: number;
    try {
      fd = fs.openSync(`${base}.pack`, "r");
    } catch (err) {
      return ignoreMissing(err);
    }
    try {
      const index = PackIndex.parse(idx, fs.fstatSync(fd).size, `${base}.idx`);
      if (index !== undefined) return new PackFile(base, index, fd);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    fs.closeSync(fd);
    return undefined;
  }

  /** Where `oid`'s entry lies, or undefined when this pack does not hold it. */
  find(oid: string): EntrySpan | undefined {
    return this.index.find(oid);
  }

  /** The object whose entry spans `span` (from find()); delta bases come from `readBase`. */
  async read(oid: string, span: EntrySpan, readBase: ReadBase): Promise<GitObject> {
    const where = `${this.name}.pack: object ${oid}`;
    const entry = this.readBytes(span.start, span.end - span.start);
    const header = parseEntryHeader(entry, span.start, where);
    const compressed = entry.subarray(header.dataStart);
    const data = await inflate(compressed);
    if (data.length !== header.size) throw new CorruptObjectError(where, `inflated to ${data.length} bytes, expected ${header.size}`);
    if (header.kind === "whole") return { type: header.type, data };
    const baseOid = header.kind === "ref-delta" ? header.baseOid : this.index.oidAt(header.baseOffset);
    if (baseOid === undefined) throw new CorruptObjectError(where, "no entry at its delta base's offset");
    const base = await readBase(baseOid);
    return { type: base.type, data: applyDelta(data, base.data, where) };
  }

  /** Closes the pack (it left the pack folder, or kas is stopping). */
  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private readBytes(position: number, length: number): Buffer {
    if (this.fd === undefined) throw new Error(`${this.name}.pack was closed`);
    const buffer = Buffer.allocUnsafe(length);
    const read = fs.readSync(this.fd, buffer, 0, length, position);
    if (read !== length) throw new CorruptObjectError(`${this.name}.pack`, `read ${read} of ${length} bytes at ${position}`);
    return buffer;
  }
}

function ignoreMissing(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  throw err;
}
