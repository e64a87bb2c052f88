/**
 * Checks of flag values, each error naming the flag, the value found and what
 * was expected. Collects every problem, so one run lists them all.
 */
import { DNS_LABEL_RULE, isDnsLabel } from "./config-kit";

export class FlagChecks {
  readonly errors: string[] = [];

  private bad(flag: string, value: string, expected: string): undefined {
    this.errors.push(`--${flag} is ${JSON.stringify(value)}; expected ${expected}`);
    return undefined;
  }

  /** The value, or undefined with an error when it is missing. */
  required(flag: string, value: string | undefined, expected: string): string | undefined {
    if (value === undefined) this.errors.push(`--${flag} is required: ${expected}`);
    return value;
  }

  dnsLabel(flag: string, value: string | undefined): string | undefined {
    if (value === undefined || isDnsLabel(value)) return value;
    return this.bad(flag, value, `a DNS label: ${DNS_LABEL_RULE}`);
  }

  oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
    if (value === undefined || (allowed as readonly string[]).includes(value)) return value as T | undefined;
    return this.bad(flag, value, `one of ${allowed.join(", ")}`);
  }

  /** A URL with one of `schemes` (without "://") and a host. */
  url(flag: string, value: string | undefined, schemes: readonly string[]): string | undefined {
    if (value === undefined) return undefined;
    const expected = `a URL ${schemes.map((s) => `${s}://`).join(", ")} followed by host[:port], e.g. ${schemes[0]}://kas.example.com:8150`;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return this.bad(flag, value, expected);
    }
    if (!schemes.includes(url.protocol.slice(0, -1)) || url.hostname === "") return this.bad(flag, value, expected);
    return value;
  }

  /** A whole number in [min, max]. */
  integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    return this.bad(flag, value, `a whole number from ${min} to ${max}`);
  }
}

/** `values` in order with repeats dropped: `--write-namespace dude --write-namespace dude` is one namespace. */
export const distinct = (values: readonly string[]): string[] => [...new Set(values)];
