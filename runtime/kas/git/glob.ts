/**
 * Doublestar globs as GitLab's agent uses them (github.com/bmatcuk/doublestar
 * semantics), pure: `**` as a whole segment matches any number of segments
 * (zero included); `*` and `?` stay within one segment (a `**` that is not a
 * whole segment acts as `*`); `{a,b}` alternatives; `[abc]`, `[a-z]`, `[!a]`
 * (or `[^a]`) classes. A leading `/` means the repository root. Files inside a
 * directory whose name starts with `.` are never matched (GitLab skips them).
 *
 * Matching is linear-ish by construction (segment DP, greedy star matching),
 * so a hostile glob from an agent config cannot make kas backtrack forever.
 */
import { parseGlob } from "./glob-parse";

export { MAX_ALTERNATIVES, MAX_GLOB_LENGTH } from "./glob-parse";

type Token =
  | { readonly t: "lit"; readonly c: string }
  | { readonly t: "any" }
  | { readonly t: "star" }
  | { readonly t: "class"; readonly negated: boolean; readonly ranges: ReadonlyArray<readonly [string, string]> };

/** One path segment of a pattern: `**`, or a token list matched against one name. */
type Segment = "**" | readonly Token[];

/** `(repoRelativePath) => boolean`, plus a pruning hint for tree walks. */
export interface GlobMatcher {
  (path: string): boolean;
  /** False when no file below directory `dir` ("" = the root) can match: the walk may skip it. */
  mayMatchUnder(dir: string): boolean;
}

/** Why `glob` is unusable, or undefined when it is fine. */
export function validateGlob(glob: string): string | undefined {
  const parsed = parseGlob(glob);
  return "error" in parsed ? parsed.error : undefined;
}

/** Compiles a glob; throws an Error with validateGlob's reason when it is invalid. */
export function compileGlob(glob: string): GlobMatcher {
  return compileGlobs([glob]);
}

/** A matcher that matches when any of `globs` does (all must be valid). */
export function compileGlobs(globs: readonly string[]): GlobMatcher {
  const patterns = globs.flatMap((glob) => {
    const parsed = parseGlob(glob);
    if ("error" in parsed) throw new Error(`invalid glob ${JSON.stringify(glob)}: ${parsed.error}`);
    return parsed.alternatives.map(compileAlternative);
  });
  return matcherOf(patterns);
}

function matcherOf(patterns: readonly Segment[][]): GlobMatcher {
  const match = (path: string): boolean => {
    const segments = path.replace(/^\/+/, "").split("/");
    if (segments.slice(0, -1).some(isDotName)) return false;
    return patterns.some((p) => matchSegments(p, segments));
  };
  match.mayMatchUnder = (dir: string): boolean => {
    const trimmed = dir.replace(/^\/+|\/+$/g, "");
    const segments = trimmed === "" ? [] : trimmed.split("/");
    if (segments.some(isDotName)) return false;
    return patterns.some((p) => matchesPrefix(p, segments));
  };
  return match;
}

const isDotName = (name: string): boolean => name.startsWith(".");

function compileAlternative(alternative: string): Segment[] {
  const segments: Segment[] = alternative.split("/").map((s) => (s === "**" ? "**" : compileSegment(s)));
  // Consecutive `**` are one `**`.
  return segments.filter((s, i) => !(s === "**" && segments[i - 1] === "**"));
}

function compileSegment(segment: string): Token[] {
  const tokens: Token[] = [];
  const chars = Array.from(segment);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "*") {
      if (tokens[tokens.length - 1]?.t !== "star") tokens.push({ t: "star" });
    } else if (c === "?") {
      tokens.push({ t: "any" });
    } else if (c === "[") {
      const close = chars.indexOf("]", i + 1);
      tokens.push(compileClass(chars.slice(i + 1, close)));
      i = close;
    } else {
      tokens.push({ t: "lit", c });
    }
  }
  return tokens;
}

function compileClass(body: string[]): Token {
  const negated = body[0] === "!" || body[0] === "^";
  const members = negated ? body.slice(1) : body;
  const ranges: [string, string][] = [];
  for (let i = 0; i < members.length; i++) {
    const from = members[i] as string;
    const to = members[i + 2];
    if (members[i + 1] === "-" && to !== undefined) {
      ranges.push([from, to]);
      i += 2;
    } else {
      ranges.push([from, from]);
    }
  }
  return { t: "class", negated, ranges };
}

function matchOne(token: Token, c: string): boolean {
  switch (token.t) {
    case "lit":
      return token.c === c;
    case "any":
      return true;
    case "star":
      return false;
    case "class": {
      const cp = c.codePointAt(0) ?? 0;
      const inside = token.ranges.some(([a, b]) => (a.codePointAt(0) ?? 0) <= cp && cp <= (b.codePointAt(0) ?? 0));
      return inside !== token.negated;
    }
  }
}

/** Greedy wildcard matching with single-star backtracking: O(name x tokens). */
function matchName(tokens: readonly Token[], name: string): boolean {
  const chars = Array.from(name);
  let ti = 0;
  let ci = 0;
  let starTi = -1;
  let starCi = 0;
  while (ci < chars.length) {
    const token = tokens[ti];
    if (token !== undefined && token.t === "star") {
      starTi = ti++;
      starCi = ci;
    } else if (token !== undefined && matchOne(token, chars[ci] as string)) {
      ti++;
      ci++;
    } else if (starTi >= 0) {
      ti = starTi + 1;
      ci = ++starCi;
    } else {
      return false;
    }
  }
  while (tokens[ti]?.t === "star") ti++;
  return ti === tokens.length;
}

/**
 * reach[i][j]: pattern segments [0, i) can consume path segments [0, j).
 * Returns the table's last column (j = path.length) for every i.
 */
function reachable(pattern: readonly Segment[], path: readonly string[]): boolean[] {
  const width = path.length + 1;
  const reach = new Uint8Array((pattern.length + 1) * width);
  reach[0] = 1;
  for (let i = 0; i <= pattern.length; i++) {
    const seg = pattern[i];
    for (let j = 0; j <= path.length; j++) {
      if (!reach[i * width + j] || seg === undefined) continue;
      if (seg === "**") {
        reach[(i + 1) * width + j] = 1; // `**` matching no more segments
        if (j < path.length) reach[i * width + j + 1] = 1; // `**` eating one more
      } else if (j < path.length && matchName(seg, path[j] as string)) {
        reach[(i + 1) * width + j + 1] = 1;
      }
    }
  }
  return Array.from({ length: pattern.length + 1 }, (_, i) => reach[i * width + path.length] === 1);
}

function matchSegments(pattern: readonly Segment[], path: readonly string[]): boolean {
  return reachable(pattern, path)[pattern.length] === true;
}

/** Can the pattern consume all of `dir` and still have a segment left for what lies below? */
function matchesPrefix(pattern: readonly Segment[], dir: readonly string[]): boolean {
  return reachable(pattern, dir).some((ok, i) => ok && i < pattern.length);
}
