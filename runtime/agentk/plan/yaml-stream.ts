/**
 * The documents of a YAML text, one at a time, with a bound on errors.
 * yaml's parseAllDocuments holds every Document (a 5 MiB file of tiny
 * documents: 910 MB of syntax trees) and builds every error, stack trace
 * included, before returning (a 5 MiB file of `]` lines: 2.6 million errors,
 * 3.5 GB, 44 s): one file from a broken kas, or a bad push, was an
 * out-of-memory crash. Here each Document can be dropped once converted, and
 * reading stops at the error past the bound.
 */
import { Composer, Lexer, Parser, type Document, type DocumentOptions, type LineCounter, type ParseOptions, type SchemaOptions } from "yaml";

export interface YamlErrorSeen {
  /** 0-based index of the document it is in. */
  readonly index: number;
  readonly offset: number;
  readonly message: string;
}

/** Thrown by yamlDocuments when a text has more errors than allowed; carries the first ones. */
export class TooManyYamlErrors extends Error {
  override readonly name = "TooManyYamlErrors";
  constructor(
    readonly first: readonly YamlErrorSeen[],
    readonly count: number,
  ) {
    super(`more than ${count - 1} errors`);
  }
}

/** Thrown by yamlDocuments when flow collections nest deeper than allowed: the syntax tree would hold gigabytes before any error. */
export class YamlTooDeep extends Error {
  override readonly name = "YamlTooDeep";
  constructor(
    readonly offset: number,
    readonly depth: number,
  ) {
    super(`flow collections ([ ], { }) nested more than ${depth} deep`);
  }
}

/** As libyaml and Go's yaml (kubectl's decoder) refuse: no manifest nests flow collections this deep. */
export const MAX_FLOW_DEPTH = 10_000;

type OnError = (source: unknown, code: string, message: string, warning?: boolean) => void;

export function* yamlDocuments(
  text: string,
  options: DocumentOptions & ParseOptions & SchemaOptions,
  lines: LineCounter,
  limits: { readonly maxErrors: number; readonly keep: number },
): Generator<Document.Parsed> {
  const first: YamlErrorSeen[] = [];
  let count = 0;
  let index = 0;
  const seen = (offset: number, message: string): void => {
    if (first.length < limits.keep) first.push({ index, offset, message });
    if (++count > limits.maxErrors) throw new TooManyYamlErrors(first, count);
  };
  const composer = new Composer(options);
  // A document's errors stay inside the Composer until the document is done, and one document can hold millions:
  // count them as they are made. onError is an instance field of yaml 2's Composer; without it, errors go uncounted
  // (and parse.test's 5 MiB case fails).
  const internals = composer as unknown as { onError?: OnError };
  const report = internals.onError;
  if (typeof report === "function") {
    internals.onError = (source, code, message, warning) => {
      if (!warning) seen(startOf(source), message);
      report(source, code, message, warning);
    };
  }
  const parser = new Parser(lines.addNewLine);
  /** The Parser's own loop (Parser.parse), with the Lexer's output counted: a document is one token, built whole before it is composed. */
  function* parsed(): Generator<Parameters<Composer["next"]>[0]> {
    lines.addNewLine(0);
    let depth = 0;
    let offset = 0;
    for (const lexeme of new Lexer().lex(text)) {
      if (lexeme === "[" || lexeme === "{") {
        if (++depth > MAX_FLOW_DEPTH) throw new YamlTooDeep(offset, MAX_FLOW_DEPTH);
      } else if ((lexeme === "]" || lexeme === "}") && depth > 0) depth--;
      offset += lexeme.length;
      yield* parser.next(lexeme);
    }
    yield* parser.end();
  }
  function* tokens(): Generator<Parameters<Composer["next"]>[0]> {
    for (const token of parsed()) {
      // Error tokens go straight into the Composer's error list, past onError. Worded as the Composer words them.
      if (token.type === "error") seen(token.offset, token.source ? `${token.message}: ${JSON.stringify(token.source)}` : token.message);
      yield token;
    }
  }
  for (const doc of composer.compose(tokens())) {
    yield doc;
    index++;
  }
}

/** Where an error starts, from what yaml passes to onError (an offset, a range, or a token). */
function startOf(source: unknown): number {
  if (typeof source === "number") return source;
  if (Array.isArray(source) && typeof source[0] === "number") return source[0];
  const offset = (source as { offset?: unknown } | null)?.offset;
  return typeof offset === "number" ? offset : 0;
}
