import { summarize, type ObjectResult, type ObjectResultStatus } from "./index";

const web = { group: "apps", kind: "Deployment", namespace: "dude", name: "web" };
const naww = { group: "apps", kind: "Deployment", namespace: "naww", name: "web" };
const cm = { group: "", kind: "ConfigMap", namespace: "dude", name: "settings" };
const old = { group: "", kind: "ConfigMap", namespace: "dude", name: "old" };

const r = (ref: ObjectResult["ref"], status: ObjectResultStatus, message = ""): ObjectResult => ({ ref, status, message });

test.each([
  {
    name: "all applied and current",
    results: [r(web, "Applied"), r(web, "Current", "Deployment is available. Replicas: 1"), r(cm, "Applied"), r(cm, "Current"), r(old, "Pruned")],
    want: { failed: 0, failedToReconcile: 0 },
  },
  {
    name: "the seed: a write refused in namespace naww",
    results: [
      r(web, "Applied"),
      r(naww, "ApplyFailed", 'deployments.apps "web" is forbidden: User "system:serviceaccount:gitlab-agent:dude-agent" cannot patch resource "deployments" in API group "apps" in the namespace "naww"'),
      r(web, "Current"),
    ],
    want: { failed: 1, failedToReconcile: 0, error: "1 resources failed" },
  },
  {
    name: "apply and prune failures add up; skips are not failures",
    results: [r(naww, "ApplyFailed"), r(old, "PruneFailed"), r(cm, "Skipped"), r(web, "PruneSkipped")],
    want: { failed: 2, failedToReconcile: 0, error: "2 resources failed" },
  },
  {
    name: "an object counts once, however many failures were recorded for it",
    results: [r(naww, "ApplyFailed", "first try"), r(naww, "ApplyFailed", "retry")],
    want: { failed: 1, failedToReconcile: 0, error: "1 resources failed" },
  },
  {
    name: "reconcile failures and timeouts are worded as cli-utils does",
    results: [r(web, "Applied"), r(web, "Failed", "Progress deadline exceeded"), r(cm, "Applied"), r(cm, "Timeout")],
    want: { failed: 0, failedToReconcile: 2, error: "2 resources failed to reconcile before timeout" },
  },
  {
    name: "both",
    results: [r(naww, "ApplyFailed"), r(web, "Failed")],
    want: { failed: 1, failedToReconcile: 1, error: "1 resources failed, 1 resources failed to reconcile before timeout" },
  },
  {
    name: "still in progress without a timeout is not a failure",
    results: [r(web, "InProgress"), r(cm, "Unknown"), r(old, "Terminating")],
    want: { failed: 0, failedToReconcile: 0 },
  },
])("$name", ({ results, want }) => {
  expect(summarize(results)).toEqual(want);
});
