/** Per-object log lines: the text once (as msg), never again in a message field. */
import { createLogger } from "../../common";
import { logResourceStatus } from "./events";

test("a Forbidden failure is one warn line whose long cause appears once", () => {
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => void lines.push(l) });
  const cause = `deployments.apps "nginx-deployment-naww" is forbidden: User "system:serviceaccount:gitlab-k8s-agent:agentk" cannot patch resource "deployments" in API group "apps" in the namespace "naww"`;
  const text = `Deployment naww/nginx-deployment-naww: Forbidden: ${cause}`;
  logResourceStatus(logger, { group: "apps", kind: "Deployment", namespace: "naww", name: "nginx-deployment-naww" }, "ApplyFailed", text);
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  expect(line).toMatchObject({ level: "warn", msg: text, eventType: "resourceStatus", group: "apps", kind: "Deployment", namespace: "naww", name: "nginx-deployment-naww", status: "ApplyFailed" });
  expect(lines[0]!.split("is forbidden").length - 1).toBe(1);
  expect(lines[0]!.length).toBeLessThan(text.length + 250);
});
