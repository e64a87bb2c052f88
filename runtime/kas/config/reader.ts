/**
 * A tiny typed reader over parsed YAML that collects errors with their key
 * paths, so a bad kas.yaml is reported whole: file, key, found, expected.
 */
export class ConfigReader {
  readonly errors: string[] = [];
  constructor(readonly file: string) {}

  private fail(key: string, expected: string, found: unknown): undefined {
    this.errors.push(`${this.file}: ${key}: expected ${expected}, found ${describe(found)}`);
    return undefined;
  }

  map(key: string, v: unknown, known: readonly string[]): Record<string, unknown> | undefined {
    if (v === undefined || v === null) return {};
    if (typeof v !== "object" || Array.isArray(v)) return this.fail(key, "a mapping", v);
    const m = v as Record<string, unknown>;
    for (const k of Object.keys(m)) {
      if (!known.includes(k)) this.errors.push(`${this.file}: ${join(key, k)}: unknown key (known: ${known.join(", ")})`);
    }
    return m;
  }

  string(key: string, v: unknown, fallback?: string): string | undefined {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "string" || v === "") return this.fail(key, "a non-empty string", v);
    return v;
  }

  bool(key: string, v: unknown, fallback: boolean): boolean {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "boolean") return this.fail(key, "true or false", v) ?? fallback;
    return v;
  }

  oneOf<T extends string>(key: string, v: unknown, values: readonly T[], fallback: T): T {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "string" || !values.includes(v as T)) return this.fail(key, `one of ${values.join(", ")}`, v) ?? fallback;
    return v as T;
  }

  list(key: string, v: unknown): unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) return this.fail(key, "a list", v) ?? [];
    return v;
  }

  stringList(key: string, v: unknown): string[] {
    return this.list(key, v).flatMap((item, i) => this.string(`${key}[${i}]`, item) ?? []);
  }

  positiveInt(key: string, v: unknown, fallback: number): number {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) return this.fail(key, "a positive whole number", v) ?? fallback;
    return v;
  }

  /** Go-style durations ("20s", "1m30s", "250ms") or a number of seconds. */
  durationMs(key: string, v: unknown, fallbackMs: number): number {
    if (v === undefined || v === null) return fallbackMs;
    if (typeof v === "number" && v >= 0) return v * 1000;
    const ms = typeof v === "string" ? parseDurationMs(v) : undefined;
    return ms ?? this.fail(key, 'a duration such as "20s" or "1m30s"', v) ?? fallbackMs;
  }

  /** host:port, port required. */
  address(key: string, v: unknown): string | undefined {
    const s = this.string(key, v);
    if (s === undefined) return undefined;
    if (!/^(\[[0-9a-fA-F:]+\]|[^:\s]*):\d{1,5}$/.test(s)) return this.fail(key, 'an address "host:port"', s);
    return s;
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDurationMs(s: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * (UNITS[m[2] as string] ?? 0);
  return total;
}

function join(key: string, k: string): string {
  return key ? `${key}.${k}` : k;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}
