/**
 * .gitlab-ci.yml as GitLab reads it (YAML 1.1 merge keys included): one
 * pipeline per push, the previews start at once, the RBAC preview keeps its
 * note as an artifact and passes on "changes" (3), and every script a job
 * runs exists in the repository.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { previewCommand } from "../runtime/kas/ci-preview";
import { waitCommand } from "../runtime/kas/ci-wait";

const ROOT = path.resolve(__dirname, "..");

interface Job {
  readonly stage?: string;
  readonly needs?: unknown[];
  readonly rules?: { if?: string; when?: string; changes?: string[] }[];
  readonly before_script?: string[];
  readonly script?: string[];
  readonly allow_failure?: { exit_codes?: number[] } | boolean;
  readonly variables?: Record<string, string>;
  readonly artifacts?: { when?: string; expose_as?: string; paths?: string[] };
  readonly id_tokens?: Record<string, { aud?: string }>;
  readonly image?: string;
}

const ci = parse(readFileSync(path.join(ROOT, ".gitlab-ci.yml"), "utf8"), { merge: true }) as Record<string, unknown> & {
  workflow: { rules: { if?: string; when?: string }[] };
  stages: string[];
};
const job = (name: string): Job => {
  const j = ci[name] as Job | undefined;
  if (!j) throw new Error(`.gitlab-ci.yml has no job ${name}`);
  return j;
};
const jobs = Object.keys(ci).filter((k) => !k.startsWith(".") && !["workflow", "stages", "variables", "default", "include"].includes(k));

describe(".gitlab-ci.yml", () => {
  test("workflow rules: MR pipelines, no branch pipeline while the branch has an open MR, branch and tag pipelines otherwise", () => {
    expect(ci.workflow.rules).toEqual([
      { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
      { if: "$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS", when: "never" },
      { if: "$CI_COMMIT_BRANCH" },
      { if: "$CI_COMMIT_TAG" },
    ]);
  });

  test("the image job pushes the Dockerfile's image to the project's registry, tagged with the runtime package's version", () => {
    const j = job("image");
    expect(j.needs).toEqual([]);
    const script = (j.script ?? []).join("\n");
    // The version is runtime/package.json's first "version" line (what --version and the default image say), as the job's shell reads it.
    const first = readFileSync(path.join(ROOT, "runtime/package.json"), "utf8").split("\n").find((l) => l.includes('"version"'))!;
    expect(first.split('"')[3]).toBe((JSON.parse(readFileSync(path.join(ROOT, "runtime/package.json"), "utf8")) as { version: string }).version);
    expect((j.script ?? [])[0]).toBe(`VERSION="$(grep -m1 '"version"' runtime/package.json | cut -d '"' -f4)"`);
    expect(script).toContain('--build-arg GITOPS_AGENT_COMMIT="$CI_COMMIT_SHORT_SHA"');
    expect(script).toContain('--tag "$CI_REGISTRY_IMAGE:$VERSION"');
    expect(script).toContain("--password-stdin");
  });

  test("the jobs and their stages", () => {
    expect(jobs.sort()).toEqual(["agent-preview", "agent-wait", "image", "kubectl-through-agent", "preview", "rbac-preview", "test", "up"]);
    for (const name of jobs) expect(ci.stages).toContain(job(name).stage);
    expect(job("test").script).toEqual(["bash .ci/run"]);
  });

  test("every `bash <file>` a job runs exists (`curl ... | bash -` reads stdin)", () => {
    const scripts = jobs.flatMap((name) => [...(job(name).before_script ?? []), ...(job(name).script ?? [])]);
    const files = scripts.flatMap((line) => [...line.matchAll(/\bbash (\w[\w./-]*|\.[\w./-]+)/g)].map((m) => m[1] ?? ""));
    expect(files.sort()).toEqual([".ci/run", "scripts/rbac-preview.sh"]);
    for (const file of files) expect(readFileSync(path.join(ROOT, file), "utf8")).toMatch(/^#!\/usr\/bin\/env bash\n/);
    // rbac-preview.sh posts through this one.
    expect(existsSync(path.join(ROOT, "scripts/post-mr-note.sh"))).toBe(true);
  });

  test("rbac-preview: MR pipelines only, starts at once, exit 3 allowed, the note kept as an exposed artifact", () => {
    const j = job("rbac-preview");
    expect(j.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    expect(j.needs).toEqual([]);
    expect(j.allow_failure).toEqual({ exit_codes: [3] });
    expect(j.artifacts).toMatchObject({ when: "always", expose_as: "RBAC preview", paths: [j.variables?.RBAC_DIFF_OUT] });
    expect(j.script).toContain("bash scripts/rbac-preview.sh");
    // The token is read by the script from the environment, never written into the job.
    expect(JSON.stringify(j)).not.toContain("GITLAB_API_TOKEN");
  });

  test("pulumi jobs: preview starts at once; both select the stack with --create", () => {
    expect(job("preview").needs).toEqual([]);
    for (const name of ["preview", "up"]) expect(job(name).before_script).toContain('pulumi stack select --create "$PULUMI_STACK"');
    expect(job("preview").script?.join("\n")).toContain("pulumi preview --diff --policy-pack infra/policy");
    // The committed stack file beside Pulumi.yaml, as a person's commands use it: no --config-file
    // (Pulumi writes the encryptionsalt into whatever file it is given).
    for (const name of ["preview", "up"]) expect(job(name).script?.join("\n")).not.toContain("--config-file");
  });

  test("kubectl-through-agent: manual on the default branch, an ID token for kas, the kubeconfig command, kubectl with the <config project>:<agent> context", () => {
    const j = job("kubectl-through-agent");
    expect(j.rules).toEqual([{ if: "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $KAS_K8S_API_URL", when: "manual" }]);
    // The token's audience is kas's Kubernetes API URL, the very URL the command is given.
    expect(j.id_tokens).toEqual({ KAS_ID_TOKEN: { aud: "$KAS_K8S_API_URL" } });
    const script = (j.script ?? []).join("\n");
    // The command reads $KAS_ID_TOKEN itself (its default --token-env): the token is never on a command line.
    expect(script).toContain('node runtime/dist/cli.js kubeconfig --kas "$KAS_K8S_API_URL"');
    expect(script).not.toMatch(/\$KAS_ID_TOKEN|--token-env/);
    expect(script).toContain('kubectl --context "$KAS_AGENT_CONTEXT" get pods');
    expect(j.variables?.KAS_AGENT_CONTEXT).toMatch(/^[\w./-]+:[a-z0-9-]+$/);
    // The runtime package builds to the file the job runs.
    expect(script).toContain("npm run build:dist");
    expect((JSON.parse(readFileSync(path.join(ROOT, "runtime/package.json"), "utf8")) as { bin: Record<string, string> }).bin["gitops-agent"]).toBe("dist/cli.js");
  });

  test("agent-preview and agent-wait: an ID token for kas, the commit of the pipeline, the agent as <config project>:<name>; never the token on a command line", () => {
    const preview = job("agent-preview");
    const wait = job("agent-wait");
    expect(preview.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event" && $KAS_K8S_API_URL' }]);
    expect(wait.rules).toEqual([{ if: "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $KAS_K8S_API_URL" }]);
    for (const j of [preview, wait]) {
      expect(j.id_tokens).toEqual({ KAS_ID_TOKEN: { aud: "$KAS_K8S_API_URL" } });
      expect(j.needs).toEqual([]);
      expect(j.before_script).toContain("npm run build:dist");
      expect(j.variables?.KAS_AGENT).toMatch(/^[\w./-]+:[a-z0-9-]+$/);
      const script = (j.script ?? []).join("\n");
      expect(script).toContain('--commit "$CI_COMMIT_SHA"');
      expect(script).toContain('--agent "$KAS_AGENT"');
      expect(script).not.toMatch(/\$KAS_ID_TOKEN|--token-env|GITLAB_NOTE_TOKEN/);
    }
    expect(preview.script?.join("\n")).toContain("node runtime/dist/cli.js preview --kas");
    expect(preview.script?.join("\n")).toContain("--format markdown --mr-note > agent-preview.md");
    expect(preview.artifacts).toMatchObject({ when: "always", paths: ["agent-preview.md"] });
    expect(wait.script?.join("\n")).toContain("node runtime/dist/cli.js wait --kas");
    expect(wait.script?.join("\n")).toContain("--timeout 10m");
  });

  test("agent-preview and agent-wait run commands the CLI knows, with flags it accepts", () => {
    for (const [name, spec] of [["agent-preview", previewCommand("preview")], ["agent-wait", waitCommand("wait")]] as const) {
      const flags = [...(job(name).script ?? []).join("\n").matchAll(/[ +]--([a-z-]+)/g)].map((m) => m[1] as string);
      expect(flags).toEqual(expect.arrayContaining(["kas", "ca-file", "agent", "project", "commit"]));
      for (const f of flags) expect(Object.keys(spec.flags)).toContain(f);
    }
  });
});
