/**
 * GitLab sign-in to the console (GitLab mode), in headless Chromium: kas
 * in-process, GitLab's OAuth endpoints and its internal API as loopback fakes
 * (test/fakes). The real browser matters here: the state cookie must ride
 * GitLab's cross-site redirect back, and the Strict session cookie the next
 * navigation.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Browser } from "playwright-core";
import { stringify } from "yaml";
import { createLogger } from "../../runtime/common";
import { loadKasConfig, startKas, type Kas } from "../../runtime/kas";
import { launchBrowser, screenshotPath } from "../browser";
import { freePorts } from "../cluster";
import { startFakeGitLabInternalApi, startFakeGitLabOAuth, type FakeGitLabInternalApi, type FakeGitLabOAuth } from "../fakes";
import { newToken } from "../kas";

const CLIENT = { id: "console-app", secret: "console-app-secret-0123456789" };
let dir: string;
let kas: Kas;
let gitlab: FakeGitLabInternalApi;
let oauth: FakeGitLabOAuth;
let browser: Browser;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "console-oauth-"));
  const [api] = (await freePorts(1)) as [number];
  base = `http://127.0.0.1:${api}`;
  const secret = randomBytes(32);
  gitlab = await startFakeGitLabInternalApi(secret, { [newToken()]: { agentId: 7, agentName: "gitlab-agent", projectId: 5, projectPath: "group/agent-config" } });
  oauth = await startFakeGitLabOAuth({ ...CLIENT, redirectUrl: `${base}/oauth/callback` });
  writeFileSync(path.join(dir, "kas-secret"), secret.toString("base64"));
  writeFileSync(path.join(dir, "api-token"), "console-oauth-api-t0ken");
  writeFileSync(path.join(dir, "client-secret"), CLIENT.secret);
  writeFileSync(
    path.join(dir, "kas.yaml"),
    stringify({
      listen: { grpc: "127.0.0.1:0", api: `127.0.0.1:${api}` },
      agents: { registry: "gitlab", gitlab: { url: gitlab.url, secret_file: "kas-secret" } },
      git: { cache_dir: "cache" },
      projects: [],
      api: { token_file: "api-token" },
      console: { gitlab: { url: oauth.url, client_id: CLIENT.id, client_secret_file: "client-secret", redirect_url: `${base}/oauth/callback`, users: ["alice"] } },
    }),
  );
  kas = await startKas(loadKasConfig(path.join(dir, "kas.yaml")), { logger: createLogger({ level: "error", write: () => undefined }) });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await kas?.close();
  await oauth?.close();
  await gitlab?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a listed GitLab user signs in through GitLab and lands on the page asked for, signed in as @alice", async () => {
  oauth.signedInAs = { username: "alice" };
  const page = await browser.newPage({ viewport: { width: 1100, height: 500 } });
  const first = await page.goto(`${base}/?q=agent`);
  expect(first?.status()).toBe(401);
  await page.screenshot({ path: screenshotPath("console-sign-in-gitlab") });
  await page.click('a:text("Sign in with GitLab")');
  await page.waitForSelector("#agents-body");
  expect(page.url()).toBe(`${base}/?q=agent`);
  expect(await page.textContent("header .who")).toBe("signed in as @alice");
  expect(await page.textContent("#notices")).toContain("registered agents unknown in GitLab mode");
  expect(oauth.calls).toEqual(["GET /oauth/authorize", "POST /oauth/token", "GET /api/v4/user"]);
  // The session is the browser's: the API answers it, and signing out ends it.
  expect((await page.request.get(`${base}/api/v1/agents`)).status()).toBe(200);
  await page.click("form.sign-out button");
  await page.waitForSelector("h1:text-is('Sign in')");
  expect((await page.request.get(`${base}/api/v1/agents`)).status()).toBe(401);
  await page.close();
});

test("a GitLab user not in console.gitlab.users is refused (403); a denied sign-in and a callback this browser did not start are refused too", async () => {
  oauth.signedInAs = { username: "bob", isAdmin: false };
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  const refused = page.waitForResponse((r) => r.url().startsWith(`${base}/oauth/callback`));
  await page.click('a:text("Sign in with GitLab")');
  expect((await refused).status()).toBe(403);
  expect(await page.textContent("main")).toContain("GitLab user @bob may not use this console");
  oauth.signedInAs = undefined;
  await page.goto(`${base}/`);
  const denied = page.waitForResponse((r) => r.url().startsWith(`${base}/oauth/callback`));
  await page.click('a:text("Sign in with GitLab")');
  expect((await denied).status()).toBe(401);
  expect(await page.textContent("main")).toContain("GitLab did not sign you in: access_denied");
  const forged = await page.goto(`${base}/oauth/callback?state=made-up&code=x`);
  expect(forged?.status()).toBe(400);
  expect((await page.request.get(`${base}/api/v1/agents`)).status()).toBe(401);
  await page.close();
});
