import { readFileSync } from "node:fs";

/** The PEM CA bundle of --ca-file, or the usage error (naming the file) when it cannot be read or holds no certificate. */
export function readCaFile(file: string): { pem: string } | { error: string } {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    return { error: `--ca-file ${JSON.stringify(file)}: cannot read: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) return { error: `--ca-file ${JSON.stringify(file)}: found no "-----BEGIN CERTIFICATE-----"; expected a PEM CA bundle` };
  return { pem };
}
