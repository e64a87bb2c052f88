import { cancelsCurrentSync, describeReason, type SyncReason } from "./sync-reason";

test.each<[SyncReason, boolean, string]>([
  [{ kind: "new-commit" }, true, "new commit"],
  [{ kind: "periodic" }, false, "periodic re-apply"],
  [{ kind: "drift", change: "apps/v1 Deployment d/b modified" }, false, "drift: apps/v1 Deployment d/b modified"],
])("%j: cancels the sync in progress = %s, logged as %j", (reason, cancels, text) => {
  expect(cancelsCurrentSync(reason)).toBe(cancels);
  expect(describeReason(reason)).toBe(text);
});
