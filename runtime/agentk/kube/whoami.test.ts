import { parseServiceAccountUser } from "./whoami";

describe("parseServiceAccountUser", () => {
  test.each<[string | undefined, { namespace: string; name: string } | undefined]>([
    ["system:serviceaccount:gitlab-k8s-agent:dude-agent", { namespace: "gitlab-k8s-agent", name: "dude-agent" }],
    ["system:serviceaccount:a:b:c", undefined],
    ["system:serviceaccount:gitlab-k8s-agent", undefined],
    ["kubernetes-admin", undefined],
    ["system:node:worker-1", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%j -> %j", (username, expected) => {
    expect(parseServiceAccountUser(username)).toEqual(expected);
  });
});
