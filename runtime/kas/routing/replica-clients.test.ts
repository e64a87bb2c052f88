/** Which URLs from the shared store a replica calls, and how: grpc:// plain, grpcs:// TLS; a replica serving TLS calls no plain one. */
import { privateApiTarget, ReplicaClients } from "./replica-clients";

test.each([
  ["grpc://10.0.0.5:8157", "10.0.0.5:8157"],
  ["grpcs://kas-0.kas:8157", "kas-0.kas:8157"],
  ["grpcs://[fd00::5]:8157", "[fd00::5]:8157"],
  ["http://10.0.0.5:8157", undefined],
  ["grpc://10.0.0.5", undefined],
])("privateApiTarget(%s) = %s", (url, target) => {
  expect(privateApiTarget(url)).toBe(target);
});

test("GIVEN this replica serves TLS THEN a plain grpc:// replica is not called; grpcs:// is", () => {
  const clients = new ReplicaClients({ tlsOnly: true });
  try {
    expect(clients.get("grpc://10.0.0.5:8157")).toBeUndefined();
    expect(clients.get("grpcs://10.0.0.5:8157")).toBeDefined();
  } finally {
    clients.close();
  }
});
