import type { InventoryPolicy } from "../../rpc/agent-config";
import { ownershipDecision, pruneDecision, withOwner } from "./index";

const OURS = "dude-agent-42";
const live = (owner?: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "c", namespace: "dude", ...(owner === undefined ? {} : { annotations: { "config.k8s.io/owning-inventory": owner } }) },
});

const apply = { action: "apply" };
const prune = { action: "prune" };
const skip = (reason: string) => ({ action: "skip", reason });

const NO_ANNOTATION_APPLY = (p: string) =>
  skip(`the object exists without the config.k8s.io/owning-inventory annotation; inventory_policy ${p} does not adopt it (adopt_if_no_inventory or adopt_all would)`);
const OTHER_APPLY = (p: string) =>
  skip(`the object belongs to inventory "someone-else" (annotation config.k8s.io/owning-inventory); inventory_policy ${p} does not take it over (adopt_all would)`);

/** cli-utils' CanApply / CanPrune truth table (pkg/inventory/policy.go). */
describe.each<InventoryPolicy>(["must_match", "adopt_if_no_inventory", "adopt_all"])("inventory_policy %s", (policy) => {
  const adoptsUnowned = policy !== "must_match";
  const adoptsAll = policy === "adopt_all";

  test.each([
    { live: undefined, apply, prune: skip("the object no longer exists") },
    { live: live(OURS), apply, prune },
    { live: live(), apply: adoptsUnowned ? apply : NO_ANNOTATION_APPLY(policy), prune: adoptsUnowned ? prune : skip(`the object has no config.k8s.io/owning-inventory annotation; inventory_policy ${policy} does not delete it`) },
    {
      live: live("someone-else"),
      apply: adoptsAll ? apply : OTHER_APPLY(policy),
      prune: adoptsAll ? prune : skip(`the object belongs to inventory "someone-else"; inventory_policy ${policy} does not delete it`),
    },
  ])("owner $live.metadata.annotations", (c) => {
    expect(ownershipDecision(policy, OURS, c.live)).toEqual(c.apply);
    expect(pruneDecision(policy, OURS, c.live)).toEqual(c.prune);
  });
});

test("withOwner returns an annotated copy; other annotations and the input are kept", () => {
  const body = Object.freeze({ apiVersion: "v1", kind: "ConfigMap", metadata: Object.freeze({ name: "c", annotations: Object.freeze({ a: "b" }) }) });
  expect(withOwner(body, OURS)).toEqual({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", annotations: { a: "b", "config.k8s.io/owning-inventory": OURS } },
  });
  expect(body.metadata.annotations).toEqual({ a: "b" });
  expect(withOwner({ kind: "X" }, OURS)).toEqual({ kind: "X", metadata: { annotations: { "config.k8s.io/owning-inventory": OURS } } });
});
