/**
 * The console in a real headless Chromium (issue 21), against kas and agentk
 * as processes (bin/kas, bin/agentk) on the real test cluster with the
 * dude/naww scenario: the agent may write dude, not naww. Screenshots of each
 * view go to test-artifacts/screenshots.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { hashToken } from "../../runtime/kas/registry";
import { freePorts, startTestCluster, type TestCluster } from "../cluster";
import { commitFiles, removeDir, tempDir } from "../git";
import { newToken } from "../kas";
import { startKasReplica, type KasReplica } from "../kas/kas-replica";
import { agentkProcess, type AgentkProcess } from "../kubeapi/agentk-process";
import { grantAgent } from "../agentk/rbac";
import { AGENT_NS, seedRepo } from "../agentk/scenario";
import { collectPageErrors, launchBrowser, screenshotPath } from "../browser";
import { until } from "../until";

const API_TOKEN = "console-browser-t0ken-0123456789";
const WEB_URL = "https://gitlab.example.com/group/dude-naww";
let cluster: TestCluster;
let dir: string;
let repo: string;
let kas: KasReplica;
let agentk: AgentkProcess;
let browser: Browser;
let page: Page;
let base: string;
/** What the browser's console reported as errors (a CSP violation would be one). */
let pageErrors: string[] = [];

interface AgentJson {
  readonly name: string;
  readonly state: string;
  readonly last_sync?: { readonly commit: string; readonly result: string };
}
const agents = async (): Promise<AgentJson[]> =>
  ((await (await fetch(`${base}/api/v1/agents`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json()) as { agents: AgentJson[] }).agents;

beforeAll(async () => {
  cluster = await startTestCluster();
  const kubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]);
  await cluster.kubectl(["create", "namespace", "naww"]);
  dir = await tempDir("console-browser-");
  repo = await seedRepo(dir);
  const kasDir = path.join(dir, "kas");
  mkdirSync(kasDir);
  const token = newToken();
  writeFileSync(path.join(kasDir, "agents.yaml"), `agents:\n  - { id: 1, name: dude-agent, config_project: group/dude-naww, tokens: [{ sha256: ${hashToken(token)} }] }\n  - { id: 2, name: never-agent, config_project: group/dude-naww, tokens: [{ sha256: ${hashToken(newToken())} }] }\n`);
  writeFileSync(path.join(kasDir, "api-token"), API_TOKEN);
  writeFileSync(path.join(kasDir, "webhook-secret"), "console-webhook-secret");
  const [grpc, api, webhook, observability] = (await freePorts(4)) as [number, number, number, number];
  kas = await startKasReplica("kas", kasDir, { grpc, api, webhook, observability }, {
    agents: { registry: "file", file: "agents.yaml" },
    git: { cache_dir: "cache", poll_period: "1s" },
    projects: [{ id: "group/dude-naww", url: repo, web_url: WEB_URL }],
    webhook: { secret_file: "webhook-secret" },
    api: { token_file: "api-token" },
  });
  base = `http://127.0.0.1:${api}`;
  agentk = agentkProcess({ kasGrpcAddress: `127.0.0.1:${grpc}`, token, kubeconfig, namespace: AGENT_NS });
  await agentk.start();
  await until("dude-agent's first sync reported", async () => (await agents()).find((a) => a.name === "dude-agent" && a.last_sync), 120_000, () => agentk.output().slice(-3000) + kas.output().slice(-2000));
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  pageErrors = collectPageErrors(page);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await agentk?.close();
  await kas?.stop();
  await cluster?.stop();
  await removeDir(dir);
});

test("without the credential the page and its API answer 401; the page is the sign-in form", async () => {
  const res = await page.goto(`${base}/`);
  expect(res?.status()).toBe(401);
  expect(await page.textContent("h1")).toBe("Sign in");
  expect(await page.textContent("body")).not.toContain("dude-agent");
  for (const p of ["/api/v1/agents", "/api/v1/agents/1", "/api/v1/events"]) expect((await fetch(`${base}${p}`)).status).toBe(401);
  await page.screenshot({ path: screenshotPath("console-sign-in") });
});

test("signed in, the agents list shows dude-agent connected and never-agent never connected; the filter box filters", async () => {
  await page.goto(`${base}/`);
  await page.fill("#token", API_TOKEN);
  await page.click("form.sign-in button");
  await page.waitForSelector("#agents-body");
  const row = (name: string) => page.locator("#agents-body tr", { has: page.locator(`a:text-is("${name}")`) });
  expect(await row("dude-agent").locator("td").nth(2).textContent()).toBe("connected");
  expect(await row("never-agent").locator("td").nth(2).textContent()).toBe("never connected");
  expect(await row("dude-agent").locator("td").nth(5).textContent()).toBe("reachable");
  expect(await row("dude-agent").locator("td").nth(6).textContent()).toMatch(/^[0-9a-f]{12} \d+ (s|min) ago, [\d.]+ (ms|s): failed: 1 resources failed/);
  await page.waitForSelector("#live-state:text('live')");
  await page.screenshot({ path: screenshotPath("console-agents") });
  await page.fill("#q", "never");
  expect(await row("dude-agent").isHidden()).toBe(true);
  expect(await row("never-agent").isVisible()).toBe(true);
  await page.fill("#q", "");
});

test("the agent page names naww/nginx-deployment-naww with the apiserver's Forbidden, the dude Deployment healthy, and links commits", async () => {
  await Promise.all([page.waitForURL(`${base}/agents/1`), page.click('a:text-is("dude-agent")')]);
  const naww = page.locator("table.objects tr", { has: page.locator('td:text-is("nginx-deployment-naww")') });
  expect(await naww.locator("td").nth(1).textContent()).toBe("naww");
  expect(await naww.locator("td").nth(3).textContent()).toBe("ApplyFailed");
  expect(await naww.locator("td").nth(4).textContent()).toMatch(/forbidden/i);
  const dude = page.locator("table.objects tr", { has: page.locator('td:text-is("nginx-deployment-dude")') });
  expect(await dude.locator("td").nth(3).textContent()).toBe("Current");
  expect(await page.getAttribute("table.history tbody tr:first-child a", "href")).toMatch(new RegExp(`^${WEB_URL}/-/commit/[0-9a-f]{40}$`));
  expect(await page.getAttribute('a:text("Workloads")', "href")).toBe("/agents/1/workloads");
  await page.screenshot({ path: screenshotPath("console-agent"), fullPage: true });
});

test("a new commit appears on the open agent page without a reload; so does what prune removed at the next", async () => {
  await page.waitForSelector("#live-state:text('live')");
  await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
  const commit = await commitFiles(repo, { "manifests/live.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: live\n  namespace: dude\ndata:\n  greeting: dude\n" }, { message: "live" });
  await page.waitForSelector(`table.history tr[data-commit="${commit}"]`, { timeout: 90_000 });
  expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  expect(await page.textContent(`table.history tr[data-commit="${commit}"] td:nth-child(1)`)).toBe(commit.slice(0, 12));
  await page.waitForSelector('table.objects td:text-is("live")', { timeout: 30_000 });
  await page.screenshot({ path: screenshotPath("console-live"), fullPage: true });
  // Removing the file: prune deletes the ConfigMap, and the page says so.
  await commitFiles(repo, { "manifests/live.yaml": null }, { message: "prune live" });
  await page.waitForSelector('table.pruned td:text-is("live")', { timeout: 90_000 });
  expect(await page.textContent('table.pruned tr:has(td:text-is("live")) td:nth-child(4)')).toBe("Pruned");
  expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
}, 180_000);

test("without JavaScript: signing in and the agents table work, and ?q= filters it", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const p = await context.newPage();
  await p.goto(`${base}/`);
  await p.fill("#token", API_TOKEN);
  await p.click("form.sign-in button");
  await p.waitForSelector("#agents-body");
  expect(await p.locator("#agents-body tr").count()).toBe(2);
  await p.fill("#q", "never");
  await p.click("form.filter button");
  await p.waitForURL(`${base}/?q=never`);
  expect(await p.locator("#agents-body tr").allTextContents()).toEqual([expect.stringMatching(/^never-agent-never connected/)]);
  await context.close();
});

test("no script error and no Content-Security-Policy violation on any view", () => {
  expect(pageErrors).toEqual([]);
});

test("signing out ends the session: the page asks to sign in again", async () => {
  await page.click("form.sign-out button");
  await page.waitForSelector("h1:text-is('Sign in')");
  const res = await page.goto(`${base}/agents/1`);
  expect(res?.status()).toBe(401);
});
