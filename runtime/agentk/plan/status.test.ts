import { computeStatus, SCHEDULE_WINDOW_MS, type StatusResult } from "./index";
import { cases } from "./testdata/fixtures";

interface StatusCase {
  readonly case: string;
  readonly want: StatusResult;
  readonly object: unknown;
}

const statusCases = cases<StatusCase>("status.yaml");

test("the fixture file has cases", () => {
  expect(statusCases.length).toBeGreaterThan(40);
});

test.each(statusCases)("$case", ({ object, want }) => {
  expect(computeStatus(object)).toEqual(want);
});

describe("an unschedulable Pod, with a clock", () => {
  const created = Date.parse("2024-05-01T10:00:00Z");
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "dude", creationTimestamp: "2024-05-01T10:00:00Z" },
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] },
  };

  test.each([
    [0, { status: "InProgress", message: "Pod has not been scheduled" }],
    [SCHEDULE_WINDOW_MS - 1, { status: "InProgress", message: "Pod has not been scheduled" }],
    [SCHEDULE_WINDOW_MS, { status: "Failed", message: "Pod could not be scheduled" }],
  ])("%i ms after creation", (elapsed, want) => {
    expect(computeStatus(pod, { now: created + elapsed })).toEqual(want);
  });
});

test.each([null, "text", [1, 2]])("not an object: %j", (value) => {
  expect(computeStatus(value)).toEqual({ status: "Unknown", message: "not a Kubernetes object" });
});
