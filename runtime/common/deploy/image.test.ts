import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_AGENTK_IMAGE, IMAGE_APP_DIR, IMAGE_ENTRYPOINT } from "./index";

const RUNTIME = path.resolve(__dirname, "../..");
const dockerfile = readFileSync(path.join(RUNTIME, "..", "Dockerfile"), "utf8");
/** The instructions of the Dockerfile's last stage (the image). */
const finalStage = dockerfile.split(/^FROM /m).at(-1)!;

test("the default image is tagged with the runtime package's version (a release bumps both)", () => {
  const pkg = JSON.parse(readFileSync(path.join(RUNTIME, "package.json"), "utf8")) as { version: string };
  expect(DEFAULT_AGENTK_IMAGE).toBe(`gitops-agent:${pkg.version}`);
});

test("the Dockerfile's entrypoint and layout are IMAGE_ENTRYPOINT and IMAGE_APP_DIR", () => {
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(finalStage)?.[1];
  expect(JSON.parse(entrypoint ?? "null")).toEqual(IMAGE_ENTRYPOINT);
  expect(finalStage).toMatch(new RegExp(`^WORKDIR ${IMAGE_APP_DIR}$`, "m"));
  expect(finalStage).toContain("COPY --from=build /src/runtime/dist ./dist");
  expect(finalStage).toContain("COPY --from=build /src/runtime/package.json ./package.json");
  // The entrypoint's script is the runtime package's gitops-agent command.
  const bin = (JSON.parse(readFileSync(path.join(RUNTIME, "package.json"), "utf8")) as { bin: Record<string, string> }).bin;
  expect(`${IMAGE_APP_DIR}/${bin["gitops-agent"]}`).toBe(IMAGE_ENTRYPOINT[1]);
});

test("the Dockerfile: syntax line first, one Node version for every stage, the commit as a build argument", () => {
  expect(dockerfile.split("\n")[0]).toMatch(/^# syntax=docker\/dockerfile:1/);
  expect(dockerfile).toMatch(/^ARG NODE_VERSION=\d+\.\d+\.\d+$/m);
  for (const from of dockerfile.match(/^FROM .*/gm) ?? []) expect(from).toMatch(/^FROM node:\$\{NODE_VERSION\}-/);
  expect(finalStage).toMatch(/^ARG GITOPS_AGENT_COMMIT/m);
  expect(finalStage).toMatch(/GITOPS_AGENT_COMMIT=\$\{GITOPS_AGENT_COMMIT\}/);
  // Production dependencies of the runtime workspace only, at the lock's versions.
  expect(dockerfile).toMatch(/npm ci [^\n]*--omit=dev --workspace gitops-agent/);
});
