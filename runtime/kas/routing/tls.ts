/**
 * TLS on the private API (kas.yaml private_api.listen.certificate_file and
 * key_file, ca_certificate_file, server_name): what the listener serves and
 * how this replica checks the others'. Files are read once, at start; one
 * that cannot be read stops the start naming its key.
 */
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import type { PrivateApiConfig } from "../config";

export interface PrivateApiTls {
  /** The listener's certificate chain and key: it serves TLS only. */
  readonly serve?: { readonly cert: Buffer; readonly key: Buffer };
  /** How grpcs:// replicas are checked: this CA (else the system's), this name (else the URL's host). */
  readonly call: { readonly ca?: Buffer; readonly serverName?: string };
}

export function privateApiTls(config: PrivateApiConfig): PrivateApiTls {
  const read = (file: string, key: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`private_api.${key}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const { certificateFile, keyFile } = config.listen;
  return {
    ...(certificateFile && keyFile ? { serve: { cert: read(certificateFile, "listen.certificate_file"), key: read(keyFile, "listen.key_file") } } : {}),
    call: {
      ...(config.caCertificateFile ? { ca: read(config.caCertificateFile, "ca_certificate_file") } : {}),
      ...(config.serverName ? { serverName: config.serverName } : {}),
    },
  };
}

export function serverCredentials(tls: PrivateApiTls | undefined): grpc.ServerCredentials {
  return tls?.serve ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: tls.serve.cert, private_key: tls.serve.key }], false) : grpc.ServerCredentials.createInsecure();
}
