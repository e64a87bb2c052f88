/** Git objects as stored: the loose format and object ids (pure). */
import { createHash } from "node:crypto";

export type ObjectType = "commit" | "tree" | "blob" | "tag";

/** An object's type and content. `data` may be shared by every reader of the object: never modify it. */
export interface GitObject {
  readonly type: ObjectType;
  readonly data: Buffer;
}

/** Data that does not decode as the git object it claims to be. */
export class CorruptObjectError extends Error {
  readonly code = "CorruptObjectError";
  constructor(where: string, why: string) {
    super(`${where}: ${why}`);
    this.name = "CorruptObjectError";
  }
}

/**
 * An object over the limit its reader set, refused from the size its header
 * declares (before its data was inflated). `part` names what was over, when
 * not the object itself (`delta base <oid>`).
 */
export class ObjectTooLargeError extends Error {
  readonly code = "ObjectTooLargeError";
  constructor(
    readonly oid: string,
    readonly size: number,
    readonly limit: number,
    readonly part?: string,
  ) {
    super(`object ${oid}${part === undefined ? "" : `: its ${part}`} is ${size} bytes, over the limit of ${limit} bytes`);
    this.name = "ObjectTooLargeError";
  }
}

const TYPES: readonly ObjectType[] = ["commit", "tree", "blob", "tag"];

export function isObjectType(name: string): name is ObjectType {
  return (TYPES as readonly string[]).includes(name);
}

/** The id of an object: SHA-1 of `<type> <length>\0<data>`. */
export function objectId(type: ObjectType, data: Buffer): string {
  return createHash("sha1").update(`${type} ${data.length}\0`).update(data).digest("hex");
}

/** The longest loose object header: `commit <20 digits>\0`, with room to spare. */
export const LOOSE_HEADER_MAX = 32;

export interface LooseHeader {
  readonly type: ObjectType;
  /** The data's length, as the header says. */
  readonly size: number;
  /** Where the data starts. */
  readonly dataStart: number;
}

/** The header `<type> <length>\0` at the start of a loose object (whole or only its first bytes). Throws CorruptObjectError naming `where`. */
export function parseLooseHeader(wrapped: Buffer, where: string): LooseHeader {
  const space = wrapped.indexOf(0x20);
  const nul = wrapped.indexOf(0);
  if (space <= 0 || nul < space) throw new CorruptObjectError(where, "no object header");
  const type = wrapped.toString("latin1", 0, space);
  if (!isObjectType(type)) throw new CorruptObjectError(where, `unknown object type ${JSON.stringify(type)}`);
  const length = wrapped.toString("latin1", space + 1, nul);
  if (!/^\d{1,15}$/.test(length)) throw new CorruptObjectError(where, `header says ${JSON.stringify(length)} bytes`);
  return { type, size: Number(length), dataStart: nul + 1 };
}

/** A loose object once inflated: `<type> <length>\0<data>`. Throws CorruptObjectError naming `where`. */
export function parseLoose(wrapped: Buffer, where: string): GitObject {
  const { type, size, dataStart } = parseLooseHeader(wrapped, where);
  const data = wrapped.subarray(dataStart);
  if (size !== data.length) throw new CorruptObjectError(where, `header says "${size}" bytes, found ${data.length}`);
  return { type, data };
}

/** Throws CorruptObjectError unless `object` hashes to `oid`. */
export function verifyId(oid: string, object: GitObject, where: string): void {
  const actual = objectId(object.type, object.data);
  if (actual !== oid) throw new CorruptObjectError(where, `object ${oid} hashes to ${actual}`);
}
