/** kas.yaml `listen:`: the agent listeners (grpc, grpcs, websocket) and the HTTP ones (see http-listeners.ts). */
import type { KeyPath } from "../../common/config-kit";
import { HTTP_LISTEN_KEYS, parseHttpListeners } from "./http-listeners";
import { parseKubernetesApiListen } from "./kubernetes-api";
import { DEFAULT_WEBSOCKET_PATH, type KasConfig, type TlsFiles } from "./schema";
import { address, file, text, type KasReader } from "./values";

export function parseListen(k: KasReader, value: unknown): KasConfig["listen"] {
  const { r } = k;
  const m = r.mapping(value, ["listen"], ["grpc", "grpcs", "websocket", "kubernetes_api", ...HTTP_LISTEN_KEYS]) ?? {};
  const listen: KasConfig["listen"] = {
    grpc: address(k, m.grpc, ["listen", "grpc"]),
    grpcs: parseGrpcs(k, m.grpcs),
    websocket: parseWebsocket(k, m.websocket),
    kubernetesApi: parseKubernetesApiListen(k, m.kubernetes_api, (at, tm) => parseTls(k, at, tm)),
    ...parseHttpListeners(k, m),
  };
  if (!listen.grpc && !listen.grpcs && !listen.websocket) r.error(["listen"], "at least one of grpc, grpcs, websocket is required");
  return listen;
}

function parseGrpcs(k: KasReader, value: unknown): KasConfig["listen"]["grpcs"] {
  const at = ["listen", "grpcs"];
  const m = value === undefined ? undefined : k.r.mapping(value, at, ["address", "cert_file", "key_file"]);
  if (m === undefined) return undefined;
  const grpcsAddress = address(k, m.address, [...at, "address"]);
  const tls = parseTls(k, at, m);
  if (!tls) k.r.error(at, "cert_file and key_file are required");
  return grpcsAddress && tls ? { address: grpcsAddress, ...tls } : undefined;
}

function parseWebsocket(k: KasReader, value: unknown): KasConfig["listen"]["websocket"] {
  const at = ["listen", "websocket"];
  const m = value === undefined ? undefined : k.r.mapping(value, at, ["address", "path", "cert_file", "key_file"]);
  if (m === undefined) return undefined;
  const wsAddress = address(k, m.address, [...at, "address"]);
  const wsPath = text(k, m.path, [...at, "path"], DEFAULT_WEBSOCKET_PATH);
  const tls = parseTls(k, at, m);
  return wsAddress && wsPath ? { address: wsAddress, path: wsPath, tls } : undefined;
}

function parseTls(k: KasReader, at: KeyPath, m: Record<string, unknown>): TlsFiles | undefined {
  const certFile = file(k, m.cert_file, [...at, "cert_file"]);
  const keyFile = file(k, m.key_file, [...at, "key_file"]);
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) {
    k.r.error(at, "cert_file and key_file go together");
    return undefined;
  }
  return { certFile, keyFile };
}
