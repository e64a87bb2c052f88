import { readFileSync } from "node:fs";
import { KasConfigError } from "./schema";

/**
 * Reads a secret named in kas.yaml (webhook.secret_file, api.token_file),
 * trimmed. An empty file is refused: compared against an empty secret, an
 * empty header would authenticate (issue 13 item 10). The message names the
 * file and the key, never the content.
 */
export function readSecretFile(file: string, key: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new KasConfigError(`${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const secret = text.trim();
  if (secret === "") throw new KasConfigError(`${key}: ${file} is empty; expected a secret (at least one non-blank character)`);
  return secret;
}
