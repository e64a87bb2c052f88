import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";

export interface TestPki {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A private CA and a server cert for 127.0.0.1/localhost (or `subjectAltName`), made with the openssl CLI. */
export function makeTestPki(dir: string, subjectAltName = "IP:127.0.0.1,DNS:localhost"): TestPki {
  const p = (f: string) => path.join(dir, f);
  const ssl = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  ssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=test-ca", "-keyout", p("ca.key"), "-out", p("ca.crt")]);
  ssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=kas", "-keyout", p("kas.key"), "-out", p("kas.csr")]);
  writeFileSync(p("ext.cnf"), `subjectAltName=${subjectAltName}\nextendedKeyUsage=serverAuth\n`);
  ssl(["x509", "-req", "-in", p("kas.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", p("ext.cnf"), "-out", p("kas.crt")]);
  return { caFile: p("ca.crt"), certFile: p("kas.crt"), keyFile: p("kas.key") };
}
