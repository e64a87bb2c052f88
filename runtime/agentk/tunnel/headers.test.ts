import { capabilities } from "./pool";
import { identityHeaders, requestHeaders, responseHeaders, wantsUpgrade } from "./headers";

const h = (name: string, ...values: string[]) => ({ name, values });

describe("what agentk lets through to its apiserver", () => {
  test("Authorization, Impersonate-*, hop-by-hop and Connection-listed headers are dropped; the rest kept", () => {
    const out = requestHeaders(
      [h("Accept", "application/json"), h("authorization", "Bearer stolen"), h("Impersonate-User", "admin"), h("impersonate-group", "system:masters"), h("Connection", "keep-alive, X-Secret"), h("x-secret", "1"), h("te", "trailers"), h("Host", "evil"), h("user-agent", "kubectl")],
      null,
      false,
    );
    expect(out).toEqual({ accept: ["application/json"], "user-agent": ["kubectl"] });
  });

  test("an upgrade keeps Connection: Upgrade and the Upgrade header", () => {
    const headers = [h("Connection", "Upgrade"), h("Upgrade", "websocket"), h("sec-websocket-protocol", "v5.channel.k8s.io")];
    expect(wantsUpgrade(headers)).toBe(true);
    expect(requestHeaders(headers, null, false)).toEqual({ connection: "Upgrade", upgrade: ["websocket"], "sec-websocket-protocol": ["v5.channel.k8s.io"] });
    expect(wantsUpgrade([h("Upgrade", "websocket")])).toBe(false);
  });

  test("an identity is refused unless impersonation is enabled; then it becomes Impersonate-* headers", () => {
    const identity = { user: "gitlab:ci_job:7", groups: ["gitlab:ci_job"], uid: "", extra: [h("Agent.GitLab.com/Project-ID", "42")] };
    expect(() => requestHeaders([], identity, false)).toThrow("impersonation is not enabled");
    expect(identityHeaders({ user: "", groups: [], uid: "", extra: [] }, false)).toEqual({});
    expect(requestHeaders([h("impersonate-user", "admin")], identity, true)).toEqual({
      "impersonate-user": "gitlab:ci_job:7",
      "impersonate-group": ["gitlab:ci_job"],
      "impersonate-extra-agent.gitlab.com%2Fproject-id": ["42"],
    });
  });

  test("response headers lose hop-by-hop ones, except Connection and Upgrade on a 101", () => {
    const raw = ["Content-Type", "application/json", "Transfer-Encoding", "chunked", "Connection", "Upgrade", "Upgrade", "websocket", "Audit-Id", "a", "audit-id", "b"];
    expect(responseHeaders(raw, false)).toEqual([h("content-type", "application/json"), h("audit-id", "a", "b")]);
    expect(responseHeaders(raw, true).map((x) => x.name)).toEqual(["content-type", "connection", "upgrade", "audit-id"]);
  });
});

describe("tunnel capabilities", () => {
  test("impersonate is announced only with allowImpersonation", () => {
    expect(capabilities({})).toEqual(["http", "upgrade"]);
    expect(capabilities({ allowImpersonation: true })).toEqual(["http", "upgrade", "impersonate"]);
  });
  test("preview is announced only with a preview handler", () => {
    expect(capabilities({ preview: async () => ({ status: 503, body: { refused: "not yet" } }) })).toEqual(["http", "upgrade", "preview"]);
  });
});
