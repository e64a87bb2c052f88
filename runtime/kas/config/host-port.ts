/** "host:port" / "[::1]:port" -> parts. */
export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m) throw new Error(`bad address ${JSON.stringify(address)}: expected host:port`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port: Number(m[3]) };
}
