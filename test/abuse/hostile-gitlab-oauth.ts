/**
 * GitLab's OAuth endpoints as an attacker (or a broken GitLab) answers them,
 * for the console's sign-in: POST /oauth/token and GET /api/v4/user answer as
 * `tokenMode` and `userMode` say (well, garbage, 200 MiB, never, a byte a
 * second, a redirect elsewhere). What kas sent is recorded; a second server,
 * the collector, counts whatever a redirect would bring it.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type TokenMode = "ok" | "html" | "status500" | "array" | "no-token" | "huge" | "never" | "trickle" | "redirect";
export type UserMode = "ok" | "garbage" | "huge" | "never" | "no-username" | "not-a-string";

export interface HostileGitLabOAuth {
  readonly url: string;
  tokenMode: TokenMode;
  userMode: UserMode;
  username: string;
  /** The form bodies kas posted to /oauth/token. */
  readonly tokenForms: URLSearchParams[];
  /** Requests the collector (where "redirect" points) received. */
  collected: number;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

/** Writes `total` bytes of `fill` with backpressure, stopping when the client goes. */
function flood(res: http.ServerResponse, total: number, first: string): void {
  const chunk = Buffer.alloc(MiB, "a");
  let sent = 0;
  res.write(first);
  const more = (): void => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", more);
    }
    res.end();
  };
  more();
}

export async function startHostileGitLabOAuth(): Promise<HostileGitLabOAuth> {
  const open = new Set<http.ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const collector = http.createServer((req, res) => {
    g.collected++;
    req.resume();
    res.writeHead(200, { "content-type": "application/json" }).end('{"access_token":"stolen"}');
  });
  const json = (res: http.ServerResponse, status: number, body: string): void => void res.writeHead(status, { "content-type": "application/json" }).end(body);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://gitlab").pathname;
      open.add(res);
      res.once("close", () => open.delete(res));
      const mode = path === "/oauth/token" ? g.tokenMode : path === "/api/v4/user" ? g.userMode : undefined;
      if (path === "/oauth/token") g.tokenForms.push(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
      switch (mode) {
        case "ok":
          return json(res, 200, path === "/oauth/token" ? '{"access_token":"hostile-access-token"}' : JSON.stringify({ username: g.username, is_admin: false }));
        case "html":
        case "garbage":
          return void res.writeHead(200, { "content-type": "text/html" }).end("<html><body>Welcome to nginx! {not json</body></html>");
        case "status500":
          return json(res, 500, '{"message":"500 Internal Server Error"}');
        case "array":
          return json(res, 200, '[{"access_token":"x"}]');
        case "no-token":
          return json(res, 200, '{"token_type":"Bearer"}');
        case "no-username":
          return json(res, 200, '{"id":1}');
        case "not-a-string":
          return json(res, 200, '{"username":{"$gt":""},"is_admin":"true"}');
        case "huge":
          res.writeHead(200, { "content-type": "application/json" });
          return flood(res, 200 * MiB, '{"access_token":"');
        case "never":
          return; // not even a status line
        case "trickle": {
          res.writeHead(200, { "content-type": "application/json" });
          const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(" ")), 1000);
          timers.add(t);
          return;
        }
        case "redirect":
          return void res.writeHead(307, { location: `${collectorUrl}/oauth/token` }).end();
        default:
          return json(res, 404, '{"message":"404 Not Found"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
  const collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  const g: HostileGitLabOAuth = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tokenMode: "ok",
    userMode: "ok",
    username: "alice",
    tokenForms: [],
    collected: 0,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const r of open) r.destroy();
      server.closeAllConnections();
      collector.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => collector.close(r))]);
    },
  };
  return g;
}
