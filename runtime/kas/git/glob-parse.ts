/**
 * Glob syntax (pure): parsing with validation, and brace expansion.
 *
 * A glob is text with `{a,b}` alternatives (which may nest and contain `/` and
 * `**`) and `[...]` character classes, which stay opaque here: they are handed
 * on, unexpanded, to the segment matcher (glob.ts).
 */

export const MAX_GLOB_LENGTH = 1024;
/** Brace expansion is multiplicative; a glob that expands past this is refused. */
export const MAX_ALTERNATIVES = 1024;

type Node = { readonly kind: "text"; readonly text: string } | { readonly kind: "alt"; readonly options: Node[][] };

class GlobSyntaxError extends Error {}

/** Parses a glob into nodes, or throws GlobSyntaxError. */
function parse(glob: string): Node[] {
  let pos = 0;
  const seq = (inBrace: boolean): Node[] => {
    const nodes: Node[] = [];
    let text = "";
    const flush = (): void => {
      if (text !== "") nodes.push({ kind: "text", text });
      text = "";
    };
    while (pos < glob.length) {
      const c = glob[pos] as string;
      if (inBrace && (c === "," || c === "}")) break;
      if (c === "{") {
        const open = pos++;
        flush();
        const options: Node[][] = [seq(true)];
        while (glob[pos] === ",") {
          pos++;
          options.push(seq(true));
        }
        if (glob[pos] !== "}") throw new GlobSyntaxError(`unbalanced "{" at position ${open + 1}`);
        pos++;
        nodes.push({ kind: "alt", options });
      } else if (c === "[") {
        text += classText();
      } else if (c === "}" || c === "]") {
        throw new GlobSyntaxError(`unbalanced "${c}" at position ${pos + 1}`);
      } else {
        text += c;
        pos++;
      }
    }
    flush();
    return nodes;
  };
  const classText = (): string => {
    const open = pos;
    const close = glob.indexOf("]", pos + 1);
    if (close < 0) throw new GlobSyntaxError(`unbalanced "[" at position ${open + 1}`);
    const body = glob.slice(open + 1, close);
    const members = body.startsWith("!") || body.startsWith("^") ? body.slice(1) : body;
    if (members === "") throw new GlobSyntaxError(`empty character class at position ${open + 1}`);
    if (members.includes("/")) throw new GlobSyntaxError(`"/" inside a character class at position ${open + 1}`);
    if (members.includes("[")) throw new GlobSyntaxError(`"[" inside a character class at position ${open + 1}`);
    pos = close + 1;
    return glob.slice(open, close + 1);
  };
  const nodes = seq(false);
  if (pos < glob.length) throw new GlobSyntaxError(`unbalanced "${glob[pos]}" at position ${pos + 1}`);
  return nodes;
}

/** How many strings `nodes` expand to, saturating just above MAX_ALTERNATIVES. */
function countAlternatives(nodes: readonly Node[]): number {
  let product = 1;
  for (const node of nodes) {
    if (node.kind === "text") continue;
    let sum = 0;
    for (const option of node.options) sum = Math.min(sum + countAlternatives(option), MAX_ALTERNATIVES + 1);
    product = Math.min(product * sum, MAX_ALTERNATIVES + 1);
  }
  return product;
}

function expand(nodes: readonly Node[]): string[] {
  let out = [""];
  for (const node of nodes) {
    if (node.kind === "text") {
      out = out.map((prefix) => prefix + node.text);
    } else {
      const suffixes = node.options.flatMap(expand);
      out = out.flatMap((prefix) => suffixes.map((s) => prefix + s));
    }
  }
  return out;
}

/** The repository-relative form of one alternative: a leading `/` means the repository root. */
function rootRelative(alternative: string): string {
  return alternative.replace(/^\/+/, "");
}

export type ParsedGlob = { readonly alternatives: readonly string[] } | { readonly error: string };

/**
 * Validates `glob` and expands its braces into root-relative alternatives
 * (no braces left; classes still in place). Never throws.
 */
export function parseGlob(glob: string): ParsedGlob {
  if (rootRelative(glob) === "") return { error: "glob is empty" };
  if (glob.length > MAX_GLOB_LENGTH) return { error: `glob is longer than ${MAX_GLOB_LENGTH} characters` };
  if (glob.includes("\\")) return { error: "glob contains a backslash (escapes are not supported; use / as separator)" };
  if (glob.includes("\0")) return { error: "glob contains a NUL character" };
  let nodes: Node[];
  try {
    nodes = parse(glob);
  } catch (e) {
    if (e instanceof GlobSyntaxError) return { error: `glob has ${e.message}` };
    throw e;
  }
  if (countAlternatives(nodes) > MAX_ALTERNATIVES) {
    return { error: `glob expands to more than ${MAX_ALTERNATIVES} alternatives` };
  }
  const alternatives = expand(nodes).map(rootRelative);
  if (alternatives.some((a) => a.split("/").includes(".."))) {
    return { error: 'glob has a ".." segment: globs may not leave the repository' };
  }
  return { alternatives };
}
