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
import { applyDelta, DELTA_HEADER_MAX, parseDeltaHeader } from "./delta";
import { deflateBound, HEAD_INPUT_BYTES, inflateCapped, inflateHead } from "./inflate";
import { CorruptObjectError, ObjectTooLargeError, type GitObject } from "./object";
import { PackIndex, type EntrySpan } from "./pack-index";
import { ENTRY_HEADER_MAX, parseEntryHeader } from "./pack-entry";

/** Reads the object with id `oid` from anywhere in the repository (a delta's base), under the repository's own object limit. */
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

  /**
   * The object whose entry spans `span` (from find()); delta bases come from
   * `readBase`. An object over `maxBytes` is an ObjectTooLargeError, found
   * from the entry's header (a delta's: from the delta's own header) before
   * its data is inflated or its base read.
   */
  async read(oid: string, span: EntrySpan, readBase: ReadBase, maxBytes: number): Promise<GitObject> {
    const where = `${this.name}.pack: object ${oid}`;
    const header = parseEntryHeader(this.readBytes(span.start, Math.min(span.end - span.start, ENTRY_HEADER_MAX)), span.start, where);
    if (header.kind === "whole" && header.size > maxBytes) throw new ObjectTooLargeError(oid, header.size, maxBytes);
    const dataStart = span.start + header.dataStart;
    const available = span.end - dataStart;
    if (header.kind !== "whole" && header.size > maxBytes) {
      // git writes a delta only when it is smaller than its result: its result is over the limit too, and its size is what to name.
      const head = await inflateHead(this.readBytes(dataStart, Math.min(available, HEAD_INPUT_BYTES)), DELTA_HEADER_MAX);
      const { resultSize } = parseDeltaHeader(head, where);
      throw resultSize > maxBytes
        ? new ObjectTooLargeError(oid, resultSize, maxBytes)
        : new ObjectTooLargeError(oid, header.size, maxBytes, `delta of ${resultSize} bytes`);
    }
    // Only as many bytes as zlib can need for the declared size: an entry padded on disk is not read whole either.
    const data = await inflateCapped(this.readBytes(dataStart, Math.min(available, deflateBound(header.size))), header.size);
    if (data === undefined || data.length !== header.size) {
      throw new CorruptObjectError(where, `inflated to ${data === undefined ? "more" : data.length} bytes, expected ${header.size}`);
    }
    if (header.kind === "whole") return { type: header.type, data };
    const { resultSize } = parseDeltaHeader(data, where);
    if (resultSize > maxBytes) throw new ObjectTooLargeError(oid, resultSize, maxBytes);
    const baseOid = header.kind === "ref-delta" ? header.baseOid : this.index.oidAt(header.baseOffset);
    if (baseOid === undefined) throw new CorruptObjectError(where, "no entry at its delta base's offset");
    const base = await readBase(baseOid).catch((err: unknown) => {
      if (err instanceof ObjectTooLargeError && err.oid === baseOid) throw new ObjectTooLargeError(oid, err.size, err.limit, `delta base ${baseOid}`);
      throw err;
    });
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
