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

const TYPES: readonly ObjectType[] = ["commit", "tree", "blob", "tag"];

export function isObjectType(name: string): name is ObjectType {
  return (TYPES as readonly string[]).includes(name);
}

/** The id of an object: SHA-1 of `<type> <length>\0<data>`. */
export function objectId(type: ObjectType, data: Buffer): string {
  return createHash("sha1").update(`${type} ${data.length}\0`).update(data).digest("hex");
}

/** A loose object once inflated: `<type> <length>\0<data>`. Throws CorruptObjectError naming `where`. */
export function parseLoose(wrapped: Buffer, where: string): GitObject {
  const space = wrapped.indexOf(0x20);
  const nul = wrapped.indexOf(0);
  if (space <= 0 || nul < space) throw new CorruptObjectError(where, "no object header");
  const type = wrapped.toString("latin1", 0, space);
  if (!isObjectType(type)) throw new CorruptObjectError(where, `unknown object type ${JSON.stringify(type)}`);
  const length = wrapped.toString("latin1", space + 1, nul);
  const data = wrapped.subarray(nul + 1);
  if (!/^\d+$/.test(length) || Number(length) !== data.length) {
    throw new CorruptObjectError(where, `header says ${JSON.stringify(length)} bytes, found ${data.length}`);
  }
  return { type, data };
}

/** Throws CorruptObjectError unless `object` hashes to `oid`. */
export function verifyId(oid: string, object: GitObject, where: string): void {
  const actual = objectId(object.type, object.data);
  if (actual !== oid) throw new CorruptObjectError(where, `object ${oid} hashes to ${actual}`);
}
