/** The kubeconfig reader (pure): what it takes, what it leaves to client-node, and its errors. */
import * as path from "node:path";
import { stringify } from "yaml";
import { inClusterSpec, readKubeconfig } from "./kubeconfig";

const FILE = "/home/op/.kube/config";

function config(user: Record<string, unknown>, cluster: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: "https://10.0.0.1:6443", ...cluster } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
    "current-context": "ctx",
    ...extra,
  });
}

test("inline data, a bearer token, TLS options", () => {
  const r = readKubeconfig(
    config({ token: "abc" }, { "certificate-authority-data": Buffer.from("CA").toString("base64"), "insecure-skip-tls-verify": false, "tls-server-name": "kube" }),
    FILE,
  );
  expect(r).toEqual({
    ok: true,
    spec: {
      server: new URL("https://10.0.0.1:6443"),
      ca: { data: Buffer.from("CA") },
      cert: undefined,
      key: undefined,
      insecureSkipTlsVerify: false,
      tlsServerName: "kube",
      credentials: { kind: "token", token: "abc" },
    },
  });
});

test("file paths are resolved against the kubeconfig's folder, as kubectl does", () => {
  const r = readKubeconfig(config({ "client-certificate": "certs/me.crt", "client-key": "/abs/me.key", tokenFile: "tok" }, { "certificate-authority": "../ca.crt" }), FILE);
  if (!r.ok) throw new Error(JSON.stringify(r));
  expect(r.spec.ca).toEqual({ file: path.resolve("/home/op/ca.crt") });
  expect(r.spec.cert).toEqual({ file: "/home/op/.kube/certs/me.crt" });
  expect(r.spec.key).toEqual({ file: "/abs/me.key" });
  expect(r.spec.credentials).toEqual({ kind: "tokenFile", file: "/home/op/.kube/tok" });
});

test("basic auth and no credentials", () => {
  const basic = readKubeconfig(config({ username: "a", password: "b" }), FILE);
  expect(basic.ok && basic.spec.credentials).toEqual({ kind: "basic", username: "a", password: "b" });
  const none = readKubeconfig(config({}), FILE);
  expect(none.ok && none.spec.credentials).toEqual({ kind: "none" });
});

test("a context can be chosen explicitly", () => {
  const text = stringify({
    clusters: [{ name: "a", cluster: { server: "https://a:1" } }, { name: "b", cluster: { server: "https://b:2" } }],
    contexts: [{ name: "one", context: { cluster: "a" } }, { name: "two", context: { cluster: "b" } }],
    "current-context": "one",
  });
  const r = readKubeconfig(text, FILE, "two");
  expect(r.ok && r.spec.server.host).toBe("b:2");
});

test.each([
  [{ exec: { command: "aws", apiVersion: "client.authentication.k8s.io/v1beta1" } }, {}, 'users "u" uses exec'],
  [{ "auth-provider": { name: "oidc" } }, {}, 'users "u" uses auth-provider'],
  [{ token: "t" }, { "proxy-url": "http://proxy:3128" }, 'clusters "c" uses proxy-url'],
])("%j %j is left to client-node", (user, cluster, why) => {
  expect(readKubeconfig(config(user, cluster), FILE)).toEqual({ ok: false, delegate: why });
});

test.each([
  ["not YAML", ": : [", "not valid YAML"],
  ["a list", "- a", "expected a mapping"],
  ["no current context", config({}, {}, { "current-context": "" }), "current-context is not set"],
  ["an unknown context", config({}, {}, { "current-context": "nope" }), 'contexts: no entry named "nope" (found: "ctx")'],
  ["no server", config({}, { server: "" }), 'clusters "c": server: expected a URL such as https://host:6443'],
  ["a server without a scheme", config({}, { server: "10.0.0.1:6443" }), 'clusters "c": server: "10.0.0.1:6443" is not a URL (expected https://host:port)'],
  ["a server of another scheme", config({}, { server: "ftp://10.0.0.1" }), 'clusters "c": server: expected http:// or https://, found ftp:'],
  ["a cert without a key", config({ "client-certificate-data": "QQ==" }), 'users "u": client-key: a client certificate needs both'],
  ["a key without a cert", config({ "client-key-data": "QQ==" }), 'users "u": client-certificate: a client certificate needs both'],
  ["CA data not text", config({}, { "certificate-authority-data": 12 }), 'clusters "c": certificate-authority-data: expected base64 text'],
  ["insecure not boolean", config({}, { "insecure-skip-tls-verify": "yes" }), 'clusters "c": insecure-skip-tls-verify: expected true or false'],
  ["a password without a user name", config({ username: "a" }), 'users "u": username and password: expected text'],
])("%s: a clear error naming the file and field", (_what, text, message) => {
  const r = readKubeconfig(text, FILE);
  expect(r.ok).toBe(false);
  expect("error" in r && r.error).toContain(`kubeconfig ${FILE}: `);
  expect("error" in r && r.error).toContain(message);
});

test("in-cluster: the service environment, the mounted token and CA", () => {
  const spec = inClusterSpec({ KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" }, "/sa");
  expect(spec).toEqual({
    server: new URL("https://10.96.0.1:443"),
    ca: { file: "/sa/ca.crt" },
    insecureSkipTlsVerify: false,
    credentials: { kind: "tokenFile", file: "/sa/token" },
  });
  const v6 = inClusterSpec({ KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "6443" }, "/sa");
  expect(typeof v6 !== "string" && v6.server.host).toBe("[fd00::1]:6443");
  expect(inClusterSpec({ KUBERNETES_SERVICE_HOST: "10.96.0.1" }, "/sa")).toContain("KUBERNETES_SERVICE_PORT must both be set");
});
