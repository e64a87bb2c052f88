/**
 * The rbac-preview CI job's scripts as GitLab runs them: bash, real git (a
 * bare "origin" with the target branch, a clone on the merge request's
 * branch), the real rbac:diff through npm, and curl posting to a loopback
 * HTTP server that plays GitLab's merge request notes endpoint.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const EXAMPLE = readFileSync(path.join(ROOT, "examples/dude-naww/Pulumi.dude-naww.yaml"), "utf8");
const STACK = "examples/dude-naww/Pulumi.dude-naww.yaml";
const TOKEN = "glpat-test-0123456789abcdef";

interface NoteRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let dir: string;
let server: Server;
let requests: NoteRequest[];
let answer: { status: number; body: string };
let apiUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "rbac-preview-"));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  requests = [];
  answer = { status: 201, body: '{"id":1}' };
});

const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, env: { ...process.env, ...GIT_ENV }, stdio: "pipe" });

/** A bare origin whose `main` holds the example stack, cloned onto branch `mr` whose stack file is `mrStack`. */
function mergeRequestCheckout(name: string, mrStack: string): string {
  const origin = path.join(dir, `${name}-origin.git`);
  const seed = path.join(dir, `${name}-seed`);
  const clone = path.join(dir, `${name}-clone`);
  git(dir, "init", "--quiet", "--bare", "--initial-branch=main", origin);
  git(dir, "init", "--quiet", "--initial-branch=main", seed);
  execFileSync("mkdir", ["-p", path.join(seed, "examples/dude-naww")]);
  writeFileSync(path.join(seed, STACK), EXAMPLE);
  writeFileSync(path.join(seed, "Pulumi.yaml"), "name: gitops-agent\nruntime: nodejs\n");
  git(seed, "add", "-A");
  git(seed, "commit", "--quiet", "-m", "main");
  git(seed, "push", "--quiet", origin, "main");
  git(dir, "clone", "--quiet", origin, clone);
  git(clone, "checkout", "--quiet", "-b", "mr");
  writeFileSync(path.join(clone, STACK), mrStack);
  git(clone, "commit", "--quiet", "-am", "mr");
  return clone;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a script with bash, asynchronously (the loopback server answers from this event loop). */
function run(script: string, args: readonly string[], cwd: string, env: Record<string, string>): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CI_") && k !== "GITLAB_API_TOKEN"));
  return new Promise((resolve) => {
    execFile("bash", [path.join(ROOT, "scripts", script), ...args], { cwd, env: { ...clean, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const MR_ENV = { CI_API_V4_URL: "", CI_PROJECT_ID: "42", CI_MERGE_REQUEST_IID: "7", CI_MERGE_REQUEST_TARGET_BRANCH_NAME: "main" };
const env = (extra: Record<string, string> = {}) => ({ ...MR_ENV, CI_API_V4_URL: apiUrl, ...extra });

describe("scripts/post-mr-note.sh", () => {
  test("with GITLAB_API_TOKEN: POST to the merge request's notes with PRIVATE-TOKEN, the file as body; the token never printed", async () => {
    const note = path.join(dir, "note.md");
    writeFileSync(note, "**RBAC change** | `a & b` = c\n\n| x | y |\n|---|---|\n");
    const res = await run("post-mr-note.sh", [note], dir, env({ GITLAB_API_TOKEN: TOKEN }));
    expect(res).toEqual({ code: 0, stdout: "post-mr-note: posted " + note + " as a note on merge request !7\n", stderr: "" });
    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect([req?.method, req?.url]).toEqual(["POST", "/api/v4/projects/42/merge_requests/7/notes"]);
    expect(req?.headers["private-token"]).toBe(TOKEN);
    expect(req?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(new URLSearchParams(req?.body).get("body")).toBe(readFileSync(note, "utf8"));
  });

  test("without a token: no request, exit 0, the file stays the artifact", async () => {
    const note = path.join(dir, "note-no-token.md");
    writeFileSync(note, "x\n");
    const res = await run("post-mr-note.sh", [note], dir, env());
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`GITLAB_API_TOKEN is not set: no note posted; the preview is the job artifact ${note}`);
    expect(requests).toEqual([]);
  });

  test("GitLab refuses (401): exit 1 with the status and GitLab's message, never the token", async () => {
    answer = { status: 401, body: '{"message":"401 Unauthorized"}' };
    const note = path.join(dir, "note-401.md");
    writeFileSync(note, "x\n");
    const res = await run("post-mr-note.sh", [note], dir, env({ GITLAB_API_TOKEN: TOKEN }));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`POST ${apiUrl}/projects/42/merge_requests/7/notes answered HTTP 401: {"message":"401 Unauthorized"}`);
    expect(res.stdout + res.stderr).not.toContain(TOKEN);
  });
});

describe("scripts/rbac-preview.sh", () => {
  const mrStack = EXAMPLE.replace("naww: none", "naww: read").replace("dude: { access: write", "dude: { access: admin");

  test("an MR that changes RBAC, with a token: exit 3, the note written and posted, the same text", async () => {
    const clone = mergeRequestCheckout("changed", mrStack);
    const res = await run("rbac-preview.sh", [], clone, env({ GITLAB_API_TOKEN: TOKEN, CI_PIPELINE_URL: "https://gitlab.example.com/p/-/pipelines/9" }));
    expect([res.code, res.stderr]).toEqual([3, ""]);
    const note = readFileSync(path.join(clone, "rbac-diff.md"), "utf8");
    const lines = note.split("\n");
    expect(lines.slice(0, 6)).toEqual([
      "<!-- gitops-agent:rbac-preview -->",
      "### RBAC preview: main → this merge request",
      "",
      "1 of 1 stack config file(s) change the agent's RBAC.",
      "",
      `#### \`${STACK}\``,
    ]);
    expect(note).toContain("**RBAC change for the agent** (2 namespaces): `dude` write → admin, `naww` none → read; ⚠️ 1 escalation-relevant grant.");
    expect(note).toContain("| ⚠️ Roles/RoleBindings | `dude` | write → admin | gains | `rbac.authorization.k8s.io` | `rolebindings, roles` |");
    expect(note).toContain("<sub>Pipeline https://gitlab.example.com/p/-/pipelines/9 · ");
    expect(res.stdout).toContain(note);
    expect(res.stdout).not.toContain(TOKEN);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe("/api/v4/projects/42/merge_requests/7/notes");
    expect(requests[0]?.headers["private-token"]).toBe(TOKEN);
    expect(new URLSearchParams(requests[0]?.body).get("body")).toBe(note);
  });

  test("without a token: exit 3, only the artifact", async () => {
    const clone = mergeRequestCheckout("no-token", mrStack);
    const res = await run("rbac-preview.sh", [], clone, env({ RBAC_DIFF_OUT: "preview.md" }));
    expect(res.code).toBe(3);
    expect(readFileSync(path.join(clone, "preview.md"), "utf8")).toContain("| `naww` | none → read | gains |");
    expect(res.stdout).toContain("GITLAB_API_TOKEN is not set");
    expect(requests).toEqual([]);
  });

  test("no RBAC change (a comment edited): exit 0, nothing posted", async () => {
    const clone = mergeRequestCheckout("unchanged", `${EXAMPLE}# a comment\n`);
    const res = await run("rbac-preview.sh", [], clone, env({ GITLAB_API_TOKEN: TOKEN }));
    expect(res.code).toBe(0);
    expect(readFileSync(path.join(clone, "rbac-diff.md"), "utf8")).toContain("No RBAC change for the agent in 1 stack config file(s).");
    expect(requests).toEqual([]);
  });

  test("an invalid stack file on the MR: exit 1, the problem in the note under the file's name, posted", async () => {
    const clone = mergeRequestCheckout("invalid", EXAMPLE.replace("naww: none", "naww: writ"));
    const res = await run("rbac-preview.sh", [], clone, env({ GITLAB_API_TOKEN: TOKEN }));
    expect(res.code).toBe(1);
    const note = readFileSync(path.join(clone, "rbac-diff.md"), "utf8");
    expect(note).toContain(`#### \`${STACK}\`: rbac:diff failed (exit 1)`);
    expect(note).toContain(`rbac:diff: ${STACK}:`);
    expect(note).toContain('gitops-agent:namespaces.naww: found "writ"; expected one of write, read, none');
    expect(requests).toHaveLength(1);
  });
});
