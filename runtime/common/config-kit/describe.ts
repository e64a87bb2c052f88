/** How a found value is named in a config error: the one wording of every config reader. */

export interface DescribeOptions {
  /** Name the type before a scalar (`string "x"`, `number 5`), as kas.yaml's messages do. */
  readonly typed?: boolean;
  /** How YAML null reads. Default `nothing (null)`; the stack config's problems say `null`. */
  readonly nullAs?: string;
  /** Longer strings are cut, with "...". Default 60. */
  readonly maxChars?: number;
}

export function describe(value: unknown, options: DescribeOptions = {}): string {
  if (value === undefined) return "nothing";
  if (value === null) return options.nullAs ?? "nothing (null)";
  if (typeof value === "string") {
    const max = options.maxChars ?? 60;
    const shown = value.length > max ? `${JSON.stringify(value.slice(0, max - 3)).slice(0, -1)}..."` : JSON.stringify(value);
    return options.typed === true ? `string ${shown}` : shown;
  }
  if (typeof value === "number" || typeof value === "bigint") return options.typed === true ? `number ${value}` : `the number ${value}`;
  if (typeof value === "boolean") return options.typed === true ? `boolean ${value}` : `the boolean ${value}`;
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a timestamp";
  if (Buffer.isBuffer(value)) return "binary data";
  if (value instanceof Set) return "a set";
  return "a mapping";
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
