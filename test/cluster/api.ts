import * as https from "node:https";

/** How to reach the apiserver as some identity: CA plus a client cert or a bearer token. */
export interface ApiCredentials {
  readonly server: string;
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  readonly token?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: string;
}

/** One request to the apiserver. Non-2xx is returned, not thrown: callers decide. */
export function apiRequest(
  creds: ApiCredentials,
  method: string,
  urlPath: string,
  body?: unknown,
  timeoutMs = 10000,
): Promise<ApiResponse> {
  const url = new URL(urlPath, creds.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { accept: "application/json" };
  if (payload !== undefined) headers["content-type"] = "application/json";
  if (creds.token) headers.authorization = `Bearer ${creds.token}`;
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, headers, ca: creds.ca, cert: creds.cert, key: creds.key, timeout: timeoutMs },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (data += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${url.pathname}: timed out after ${timeoutMs}ms`)));
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Like apiRequest, but a non-2xx answer throws with the apiserver's message. */
export async function apiJson<T>(creds: ApiCredentials, method: string, urlPath: string, body?: unknown): Promise<T> {
  const res = await apiRequest(creds, method, urlPath, body);
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`${method} ${urlPath}: HTTP ${res.status}: ${res.body.slice(0, 500)}`);
  }
  return JSON.parse(res.body) as T;
}
