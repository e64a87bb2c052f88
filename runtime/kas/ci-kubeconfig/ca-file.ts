/** --ca-file of the CI commands: the PEM bundle read, or a usage error naming the file and what was expected. */
import { readFileSync } from "node:fs";

export function readCaFile(file: string | undefined): { pem?: string } | { error: string } {
  if (file === undefined) return {};
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    return { error: `--ca-file ${JSON.stringify(file)}: cannot read: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) return { error: `--ca-file ${JSON.stringify(file)}: found no "-----BEGIN CERTIFICATE-----"; expected a PEM CA bundle` };
  return { pem };
}
