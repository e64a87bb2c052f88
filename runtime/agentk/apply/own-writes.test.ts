import { OwnWrites } from "./own-writes";

const P = "/api/v1/namespaces/dude/configmaps/a";

test("an event that comes before the answer to our write is judged once the answer is in: settled waits for it", async () => {
  const own = new OwnWrites("agentk");
  let answer: (v: unknown) => void = () => {};
  const write = own.track(P, "apply", () => new Promise((resolve) => (answer = resolve)));
  const event = { metadata: { resourceVersion: "7", uid: "u" } };
  expect(own.isOwn(event)).toBe(false);
  let judged: boolean | undefined;
  const judging = own.settled(P).then(() => (judged = own.isOwn(event)));
  await new Promise((r) => setImmediate(r));
  expect(judged).toBeUndefined(); // still waiting for the answer
  answer({ metadata: { resourceVersion: "7", uid: "u" } });
  await judging;
  expect(judged).toBe(true);
  await expect(write).resolves.toEqual({ metadata: { resourceVersion: "7", uid: "u" } });
  // Another version of the same object (someone else's edit) is not ours; other paths never waited.
  expect(own.isOwn({ metadata: { resourceVersion: "8", uid: "u" } })).toBe(false);
  await expect(own.settled("/other")).resolves.toBeUndefined();
});

test("a delete marks the object's uid (from the object or a Status's details): its later events are ours", async () => {
  const own = new OwnWrites("agentk");
  await own.track(P, "delete", async () => ({ kind: "Status", status: "Success", details: { name: "a", uid: "u1" } }));
  await own.track("/x", "delete", async () => ({ metadata: { resourceVersion: "9", uid: "u2", deletionTimestamp: "t" } }));
  expect(own.isOwn({ metadata: { resourceVersion: "100", uid: "u1" } })).toBe(true);
  expect(own.isOwn({ metadata: { resourceVersion: "101", uid: "u2" } })).toBe(true);
  // An apply's uid is not a deletion: a later edit of that object by someone else is still drift.
  await own.track("/y", "apply", async () => ({ metadata: { resourceVersion: "10", uid: "u3" } }));
  expect(own.isOwn({ metadata: { resourceVersion: "11", uid: "u3" } })).toBe(false);
});

test("a failed write records nothing and does not keep settled waiting", async () => {
  const own = new OwnWrites("agentk");
  await expect(own.track(P, "apply", async () => Promise.reject(new Error("Forbidden")))).rejects.toThrow("Forbidden");
  await expect(own.settled(P)).resolves.toBeUndefined();
  expect(own.isOwn({ metadata: { resourceVersion: "1" } })).toBe(false);
});
