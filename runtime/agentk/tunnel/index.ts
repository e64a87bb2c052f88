export { startTunnelPool, DEFAULT_TUNNEL_POOL_SIZE, type TunnelPool, type TunnelPoolOptions, type TunnelPoolStats } from "./pool";
export { serveRequest, type ServeOptions, type TunnelStream } from "./serve";
export { requestHeaders, responseHeaders, identityHeaders, wantsUpgrade } from "./headers";
export { isOwnPath, serveOwn, type PreviewAnswer, type PreviewHandler } from "./serve-own";
