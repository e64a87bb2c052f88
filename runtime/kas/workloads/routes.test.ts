import { operatorRefusal, parseRoute } from "./index";
import { eventsPath, logPath, podPath, podsPath, workloadPath } from "./requests";
import { labelSelector, podRow } from "./model";

const q = (s = ""): URLSearchParams => new URLSearchParams(s);

describe("parseRoute", () => {
  test.each([
    ["/api/v1/agents/7/workloads", "", { kind: "workloads-json", agentId: "7" }],
    ["/agents/dude-agent/workloads", "", { kind: "workloads-page", agentId: "dude-agent" }],
    ["/assets/workloads.js", "", { kind: "asset" }],
    ["/api/v1/agents/7/pods/dude/web-1.x/log", "follow=true&tailLines=10&container=nginx", { kind: "log", agentId: "7", namespace: "dude", pod: "web-1.x", query: { container: "nginx", follow: true, tailLines: 10, limitBytes: 16 * 1024 * 1024 } }],
  ])("%s?%s", (path, search, want) => expect(parseRoute(path, q(search))).toEqual(want));

  test.each([
    ["/api/v1/agents/7/pods/Dude/web/log", "", "namespace \"Dude\""],
    ["/api/v1/agents/7/pods/dude/web%2F..%2Fsecrets/log", "", "pod name"],
    ["/api/v1/agents/7/pods/dude/-web/log", "", "pod name"],
    ["/api/v1/agents/a%3Ab/workloads", "", "agent id"],
    ["/api/v1/agents/7/pods/dude/web/log", "container=a/b", "container"],
    ["/api/v1/agents/7/pods/dude/web/log", "tailLines=999999", "tailLines"],
    ["/api/v1/agents/7/pods/dude/web/log", "tailLines=-1", "tailLines"],
    ["/api/v1/agents/7/pods/dude/web/log", "follow=yes", "follow"],
    ["/api/v1/agents/7/pods/dude/web/log", "limitBytes=0", "limitBytes"],
  ])("%s?%s: 400 naming %s", (path, search, what) => {
    const r = parseRoute(path, q(search));
    expect(r).toMatchObject({ kind: "bad-request" });
    expect((r as { message: string }).message).toContain(what);
  });

  test("other subresources of a pod are not served", () => {
    expect(parseRoute("/api/v1/agents/7/pods/dude/web/exec", q())).toMatchObject({ kind: "not-found" });
    expect(parseRoute("/api/v1/agents/7/pods/dude/web/log/extra", q())).toMatchObject({ kind: "not-found" });
  });

  test("the console's other URLs are not this folder's", () => {
    for (const p of ["/api/v1/agents", "/api/v1/agents/7", "/api/v1/agents/7/events", "/agents/7", "/"]) expect(parseRoute(p, q())).toBeUndefined();
  });
});

describe("operatorRefusal: kas's operator reads as the agent, read-only requests only", () => {
  const q1 = { follow: true, tailLines: 5, limitBytes: 100 };
  test.each([workloadPath("Deployment", "dude", "nginx"), workloadPath("StatefulSet", "dude", "db"), podsPath("dude", "app=nginx"), podPath("dude", "web"), eventsPath("dude"), logPath("dude", "web", q1)])("allowed: %s", (path) => {
    expect(operatorRefusal("GET", path)).toBeUndefined();
  });
  test.each([
    ["GET", "/api/v1/namespaces/dude/secrets"],
    ["GET", "/api/v1/namespaces/dude/pods/web/exec?command=sh"],
    ["GET", "/api/v1/namespaces/dude/pods/web/portforward"],
    ["GET", "/api/v1/namespaces/dude/pods/web/proxy/x"],
    ["GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles"],
    ["GET", "/api/v1/pods"],
    ["GET", "/api/v1/namespaces/dude/pods?watch=true"],
    ["GET", "/api/v1/namespaces/dude/pods/../secrets"],
    ["DELETE", "/api/v1/namespaces/dude/pods/web"],
    ["POST", "/api/v1/namespaces/dude/pods"],
  ])("refused: %s %s", (method, path) => {
    expect(operatorRefusal(method, path)).toMatch(/^kas: /);
  });
});

describe("model", () => {
  test("a selector's matchLabels and matchExpressions; an empty one is refused", () => {
    const spec = { matchLabels: { app: "nginx" }, matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }, { key: "canary", operator: "DoesNotExist" }] };
    expect(labelSelector({ spec: { selector: spec } })).toEqual({ selector: "app=nginx,tier in (a,b),!canary" });
    expect(labelSelector({ spec: { selector: {} } })).toEqual({ reason: "spec.selector is empty" });
  });

  test("a pod row: phase, ready, restarts, age, node", () => {
    const pod = {
      metadata: { namespace: "dude", name: "web", creationTimestamp: "2026-01-01T00:00:00Z" },
      spec: { nodeName: "kwok-node-0", containers: [{ name: "a" }, { name: "b" }] },
      status: { phase: "Running", containerStatuses: [{ ready: true, restartCount: 2 }, { ready: false, restartCount: 1 }] },
    };
    expect(podRow(pod, Date.parse("2026-01-01T00:01:30Z"))).toEqual({ namespace: "dude", name: "web", phase: "Running", ready: "1/2", restarts: 3, created_at: "2026-01-01T00:00:00Z", age_seconds: 90, node: "kwok-node-0", containers: ["a", "b"], events: [] });
  });
});
