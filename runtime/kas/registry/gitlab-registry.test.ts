/** GitLabRegistry against a local stand-in for GitLab's agent_info endpoint. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../common";
import { startFakeGitLabInternalApi as startFakeGitLab, type FakeGitLabInternalApi as FakeGitLab } from "../../../test/fakes";
import { GitLabRegistry, hashToken, RegistryUnavailableError, signKasJwt, verifyKasJwt } from "./index";

const TOKEN = "glagent-known-token-1234567890abcdef";
const OTHER = "glagent-unknown-token-0000000000000";
const secret = randomBytes(32);
const logLines: string[] = [];
const thrown: string[] = [];
const logger = createLogger({ level: "debug", write: (line) => void logLines.push(line) });

let dir: string;
let secretFile: string;
let gitlab: FakeGitLab;
let clock: number;
const registries: GitLabRegistry[] = [];

function openRegistry(extra: { url?: string; secretFile?: string } = {}): GitLabRegistry {
  const registry = new GitLabRegistry({ url: gitlab.url, secretFile, logger, now: () => clock, timeoutMs: 2000, ...extra });
  registries.push(registry);
  return registry;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    thrown.push(String(err), JSON.stringify(err));
    return err as Error;
  }
  throw new Error("expected a rejection");
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kas-gitlab-"));
  secretFile = join(dir, ".gitlab_kas_secret");
  writeFileSync(secretFile, secret.toString("base64") + "\n");
});

beforeEach(async () => {
  clock = 1_000_000;
  gitlab = await startFakeGitLab(secret, {
    [TOKEN]: { agentId: 7, agentName: "dude-agent", projectId: 42, projectPath: "dude/agent-config" },
  });
});

afterEach(async () => {
  for (const r of registries.splice(0)) r.close();
  await gitlab.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  const all = logLines.join("") + thrown.join("");
  expect(logLines.length).toBeGreaterThan(0);
  for (const token of [TOKEN, OTHER]) {
    expect(all).not.toContain(token);
    expect(all).not.toContain(hashToken(token));
  }
  expect(all).not.toContain("gitaly-token-never-logged");
});

describe("GitLabRegistry", () => {
  test("a known token: the agent from GitLab's answer, config project by full path", async () => {
    await expect(openRegistry().authenticate(TOKEN)).resolves.toEqual({ id: "7", name: "dude-agent", configProjectId: "dude/agent-config" });
    expect(gitlab.lastJwtProblem).toBeUndefined();
  });

  test("a relative URL root is kept", async () => {
    const registry = openRegistry({ url: `${gitlab.url}/gitlab` });
    const err = await rejection(registry.authenticate(TOKEN));
    expect(err.message).toBe(`GitLab ${gitlab.url}/gitlab/api/v4/internal/kubernetes/agent_info answered HTTP 404`);
  });

  test("answers are cached 30 s (known) and 5 s (unknown) by token hash", async () => {
    const registry = openRegistry();
    await registry.authenticate(TOKEN);
    await registry.authenticate(TOKEN);
    expect(gitlab.requests).toBe(1);
    await expect(registry.authenticate(OTHER)).resolves.toBeUndefined();
    await expect(registry.authenticate(OTHER)).resolves.toBeUndefined();
    expect(gitlab.requests).toBe(2);
    clock += 5_000; // the negative answer expires, the positive one not yet
    await registry.authenticate(OTHER);
    await registry.authenticate(TOKEN);
    expect(gitlab.requests).toBe(3);
    gitlab.agents.delete(TOKEN); // revoked in GitLab: seen once the cache expires
    clock += 25_000;
    await expect(registry.authenticate(TOKEN)).resolves.toBeUndefined();
    expect(gitlab.requests).toBe(4);
  });

  test("concurrent lookups of one token share one request", async () => {
    const registry = openRegistry();
    const answers = await Promise.all([1, 2, 3, 4].map(() => registry.authenticate(TOKEN)));
    expect(answers.every((a) => a?.id === "7")).toBe(true);
    expect(gitlab.requests).toBe(1);
  });

  test("a JWT signed with another secret gets 401: the token is unknown to us", async () => {
    const wrong = join(dir, "wrong-secret");
    writeFileSync(wrong, randomBytes(32).toString("base64"));
    await expect(openRegistry({ secretFile: wrong }).authenticate(TOKEN)).resolves.toBeUndefined();
    expect(gitlab.lastJwtProblem).toBe("bad signature");
  });

  test.each([500, 502, 403])("HTTP %d -> RegistryUnavailableError naming url and status, not cached", async (status) => {
    gitlab.failWith = status;
    const registry = openRegistry();
    const err = await rejection(registry.authenticate(TOKEN));
    expect(err).toBeInstanceOf(RegistryUnavailableError);
    expect(err.message).toBe(`GitLab ${gitlab.url}/api/v4/internal/kubernetes/agent_info answered HTTP ${status}`);
    gitlab.failWith = undefined;
    await expect(registry.authenticate(TOKEN)).resolves.toMatchObject({ id: "7" });
  });

  test("GitLab unreachable -> RegistryUnavailableError", async () => {
    const registry = openRegistry();
    await gitlab.close();
    const err = await rejection(registry.authenticate(TOKEN));
    expect(err).toBeInstanceOf(RegistryUnavailableError);
    expect(err.message).toMatch(/cannot be reached: ECONNREFUSED/);
  });

  test("a secret file that is not base64 of 32 bytes is refused at start", () => {
    const bad = join(dir, "short-secret");
    writeFileSync(bad, randomBytes(16).toString("base64"));
    expect(() => openRegistry({ secretFile: bad })).toThrow(`${bad}: found 16 bytes of secret; expected base64 of exactly 32 bytes`);
  });
});

describe("Gitlab-Kas-Api-Request JWT", () => {
  test("HS256 with GitLab's claims, valid from now-5s to now+30s", () => {
    const now = 1_700_000_000_000;
    const jwt = signKasJwt(secret, now);
    const [header, claims] = jwt.split(".").slice(0, 2).map((part) => JSON.parse(Buffer.from(part, "base64url").toString()) as unknown);
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    expect(claims).toEqual({ iss: "gitlab-kas", aud: "gitlab", iat: 1_700_000_000, nbf: 1_699_999_995, exp: 1_700_000_030 });
    expect(verifyKasJwt(jwt, secret, now)).toBeUndefined();
    expect(verifyKasJwt(jwt, secret, now + 31_000)).toBe("expired");
    expect(verifyKasJwt(jwt, secret, now - 6_000)).toBe("not yet valid");
    expect(verifyKasJwt(jwt, randomBytes(32), now)).toBe("bad signature");
    expect(verifyKasJwt("a.b", secret, now)).toBe("malformed");
  });
});
