import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_AGENTK_IMAGE } from "./index";

test("the default image is tagged with the package's version (a release bumps both)", () => {
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8")) as { version: string };
  expect(DEFAULT_AGENTK_IMAGE).toBe(`gitops-agent:${pkg.version}`);
});
