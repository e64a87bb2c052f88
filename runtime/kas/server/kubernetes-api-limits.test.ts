/** The proxy's pure limits: path prefix, discovery paths, per-credential slots, a counted body. */
import { Readable } from "node:stream";
import { BodyLimitError, CredentialLimiter, limitedBody, stripPrefix } from "./kubernetes-api-limits";
import { isDiscoveryPath, refusalAnswer } from "./kubernetes-api-status";

test.each([
  ["/k8s-proxy/api/v1/pods", "/api/v1/pods"],
  ["/k8s-proxy", "/"],
  ["/k8s-proxy?timeout=32s", "/?timeout=32s"],
  ["/k8s-proxy/", "/"],
  ["/k8s-proxyx/api", undefined],
  ["/api", undefined],
])("stripPrefix(%s)", (url, path) => {
  expect(stripPrefix(url, "/k8s-proxy")).toBe(path);
  expect(stripPrefix(url, "")).toBe(url);
});

test("discovery paths get a text/plain refusal (client-go shows its message), others a Status", () => {
  for (const p of ["/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/version", "/version?timeout=32s", "/openapi/v3/apis/apps/v1"]) expect(isDiscoveryPath(p)).toBe(true);
  for (const p of ["/api/v1/pods", "/api/v1/namespaces/dude/configmaps", "/apis/apps/v1/deployments", "/healthz"]) expect(isDiscoveryPath(p)).toBe(false);
  const r = { code: 429, reason: "TooManyRequests", message: "kas: slow down", retryAfterSeconds: 1 };
  expect(refusalAnswer(r, "/api")).toEqual({ headers: [["content-type", "text/plain; charset=utf-8"], ["content-length", "15"], ["retry-after", "1"]], body: "kas: slow down\n" });
  expect(JSON.parse(refusalAnswer(r, "/api/v1/pods").body)).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "kas: slow down", reason: "TooManyRequests", code: 429 });
});

test("a credential's slots come back when its requests close; the map holds only open credentials", () => {
  const limiter = new CredentialLimiter(2);
  const a = [new AbortController(), new AbortController()];
  expect(a.map((c) => limiter.take("a", c.signal))).toEqual([true, true]);
  expect(limiter.take("a", new AbortController().signal)).toBe(false);
  expect(limiter.take("b", new AbortController().signal)).toBe(true);
  a[0]?.abort();
  expect(limiter.count("a")).toBe(1);
  expect(limiter.take("a", AbortSignal.abort())).toBe(true);
  a[1]?.abort();
  expect(limiter.count("a")).toBe(0);
  expect(limiter.count()).toBe(1);
});

async function drain(body: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const c of body) n += c.length;
  return n;
}

test("a body is counted as it streams: over the limit or idle it throws, and says why first", async () => {
  const seen: string[] = [];
  const chunks = () => Readable.from([Buffer.alloc(600), Buffer.alloc(600)]);
  expect(await drain(limitedBody(chunks(), 1200, 1000, (e) => seen.push(e.kind)))).toBe(1200);
  await expect(drain(limitedBody(chunks(), 1000, 1000, (e) => seen.push(e.kind)))).rejects.toThrow(new BodyLimitError("the request body is larger than 1000 bytes", "too_large"));
  const stalled = new Readable({ read: () => undefined });
  stalled.push(Buffer.alloc(10));
  await expect(drain(limitedBody(stalled, 1000, 50, (e) => seen.push(e.kind)))).rejects.toThrow("the client sent no request body bytes for 0.05 s");
  expect(seen).toEqual(["too_large", "idle"]);
});
