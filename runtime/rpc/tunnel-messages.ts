/**
 * TypeScript shapes of the reverse tunnel's messages (proto/gitops_agent.proto,
 * ReverseTunnelService), as @grpc/proto-loader decodes them with LOADER_OPTIONS.
 */

export interface TunnelHeader {
  readonly name: string;
  readonly values: readonly string[];
}

export interface TunnelIdentity {
  readonly user: string;
  readonly groups: readonly string[];
  readonly uid: string;
  readonly extra: readonly TunnelHeader[];
}

export interface TunnelRequestHead {
  readonly method: string;
  readonly path: string;
  readonly headers: readonly TunnelHeader[];
  /** Absent or empty user: as the agent itself. */
  readonly identity?: TunnelIdentity | null;
}

export interface TunnelResponseHead {
  readonly status: number;
  readonly headers: readonly TunnelHeader[];
}

type Empty = Record<string, never>;

/** agent -> kas. */
export type TunnelUp =
  | { readonly message: "register"; readonly register: { readonly capabilities: readonly string[] } }
  | { readonly message: "response_head"; readonly response_head: TunnelResponseHead }
  | { readonly message: "data"; readonly data: { readonly data: Buffer } }
  | { readonly message: "end"; readonly end: Empty }
  | { readonly message: "error"; readonly error: { readonly message: string } };

/** kas -> agent. */
export type TunnelDown =
  | { readonly message: "request_head"; readonly request_head: TunnelRequestHead }
  | { readonly message: "data"; readonly data: { readonly data: Buffer } }
  | { readonly message: "end"; readonly end: Empty };

/** Largest data chunk either side puts in one message. */
export const TUNNEL_CHUNK_BYTES = 32 * 1024;

/** Capabilities an agent registers with. */
/**
 * What an agent's tunnel can do; `impersonate`: agentk runs with --allow-impersonation and acts as request_head.identity;
 * `preview`: agentk answers PREVIEW_PATH itself (rpc/preview.ts).
 */
export const TUNNEL_CAPABILITIES = { http: "http", upgrade: "upgrade", impersonate: "impersonate", preview: "preview" } as const;
