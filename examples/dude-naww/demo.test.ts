/**
 * The seed walk-through, end to end, exactly as `npm run demo` runs it: real
 * cluster, real kas and agentk processes, RBAC from the example's stack config
 * through planRbac.
 */
import { runDemo, type DemoResult } from "./run";

let result: DemoResult;
const narration: string[] = [];

beforeAll(async () => {
  result = await runDemo({ say: (l) => void narration.push(l) });
}, 300_000);

test("nginx lands in dude: 2 pods 1/1 Running", () => {
  const rows = result.podsDude.split("\n").filter((l) => l.startsWith("nginx-deployment-dude-"));
  expect(rows).toHaveLength(2);
  for (const row of rows) expect(row).toMatch(/\s1\/1\s+Running\s/);
});

test("nothing lands in naww", () => {
  expect(result.podsNaww).toBe("No resources found in naww namespace.");
});

test("the agent log says why: Synchronizing objects, Forbidden in naww, 1 resources failed", () => {
  const why = result.why.join("\n");
  expect(why).toContain('"msg":"Synchronizing objects"');
  expect(why).toMatch(/Forbidden.*naww/);
  expect(why).toMatch(/"msg":"Synchronization failed".*"error":"1 resources failed"/);
});

test("GitOps: a commit of replicas 3 brings the third pod; a deleted Deployment comes back", () => {
  expect(result.podsAfterCommit.split("\n").filter((l) => /^nginx-deployment-dude-.*\s1\/1\s+Running\s/.test(l))).toHaveLength(3);
  expect(result.restoredAfterDelete).toBe(true);
  expect(narration.join("\n")).toContain("== Done");
});
