/**
 * kas.yaml as a file: the shape infra writes and kas's parser
 * (runtime/kas/config) reads, with the defaults both assume. The parser turns
 * this snake_case file into its camelCase KasConfig; a round-trip test holds
 * the two together (test/kas/shared-formats.test.ts).
 */

export const DEFAULT_WEBSOCKET_PATH = "/-/kubernetes-agent/";
export const DEFAULT_POLL_PERIOD_MS = 20_000;
/** The ports of the in-cluster kas (GitLab's kas: 8150 agents over gRPC); kubernetesApi is the https Kubernetes API proxy (CI jobs' kubectl). */
/** The environment variable kas reads its own private API URL (grpc://<pod IP>:<port>) from when kas.yaml's private_api names none; infra sets it from the pod IP. */
export const OWN_PRIVATE_API_URL_ENV = "OWN_PRIVATE_API_URL";
export const KAS_PORTS = { grpc: 8150, websocket: 8152, observability: 8153, webhook: 8154, api: 8155, kubernetesApi: 8156, privateApi: 8157 } as const;

export interface KasTlsFile {
  readonly cert_file: string;
  readonly key_file: string;
}

export interface KasProjectFile {
  readonly id: string;
  readonly url: string;
  readonly public?: boolean;
  readonly agents?: readonly string[];
  readonly credentials?: { readonly username: string; readonly password_file: string };
}

/** The keys of kas.yaml (the subset of values a writer sets; durations as Go-style strings such as `20s`). */
export interface KasConfigFile {
  readonly listen: {
    readonly grpc?: string;
    readonly grpcs?: { readonly address: string } & KasTlsFile;
    readonly websocket?: { readonly address: string; readonly path?: string } & Partial<KasTlsFile>;
    readonly observability?: string;
    readonly webhook?: string;
    readonly api?: string;
    /** The Kubernetes API proxy: https only (kubectl sends no bearer token over http). */
    readonly kubernetes_api?: { readonly address: string } & KasTlsFile;
  };
  readonly agents:
    | { readonly registry: "file"; readonly file: string }
    | { readonly registry: "gitlab"; readonly gitlab: { readonly url: string; readonly secret_file: string; readonly cache_ttl?: string } };
  readonly git?: { readonly cache_dir?: string; readonly poll_period?: string };
  readonly projects?: readonly KasProjectFile[];
  readonly webhook?: { readonly secret_file: string };
  readonly api?: { readonly token_file: string };
  /** CI ID tokens the Kubernetes API proxy accepts: their issuer (OIDC discovery) and audience; and its limits (defaults in runtime/kas/config). */
  readonly kubernetes_api?: {
    readonly oidc: { readonly issuer: string; readonly audience: string };
    /** Served under this path ("/k8s-proxy"), stripped before forwarding; requests outside it 404. Default: the root. */
    readonly path_prefix?: string;
    readonly max_requests_per_credential?: number;
    readonly max_request_body_bytes?: number;
    readonly idle_timeout?: string;
    readonly headers_timeout?: string;
    readonly max_header_bytes?: number;
  };
  readonly log_level?: "debug" | "info" | "warn" | "error";
}
