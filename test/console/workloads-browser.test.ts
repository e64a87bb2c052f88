/**
 * The console's workloads (issue 21 items 3 and 5) in a real headless
 * Chromium, against kas (bin/kas, GitLab mode) and agentk (bin/agentk) on the
 * real test cluster with the dude/naww scenario and KWOK pods and logs
 * (gitlab-console.ts): the operator signs in with the API token, goes from
 * the agent page to its workloads, sees the nginx pods in dude and follows a
 * pod's log live; leaving the page frees the tunnel request in agentk.
 * GitLab users sign in through GitLab (loopback OAuth fake) and read as
 * user_access makes them: walter sees the apiserver's Forbidden, alice the
 * pods. Screenshots in test-artifacts/screenshots.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { collectPageErrors, launchBrowser, screenshotPath } from "../browser";
import { AGENT } from "../kubeapi/scenario";
import { until } from "../until";
import type { WorkloadsAnswer } from "../../runtime/kas/workloads";
import { CONSOLE_API_TOKEN, startGitLabConsoleScenario, type GitLabConsoleScenario } from "./gitlab-console";

let sc: GitLabConsoleScenario;
let browser: Browser;
let page: Page;
/** What the operator's page reported as errors (a CSP violation would be one). */
let pageErrors: string[] = [];
const WORKLOADS_PAGE = `/agents/${AGENT.id}/workloads`;
const podRows = (p: Page) => p.locator("section.workload", { has: p.locator('h2:text-is("Deployment dude/nginx-deployment-dude")') }).locator("tbody tr");

beforeAll(async () => {
  sc = await startGitLabConsoleScenario();
  await until("nginx-deployment-dude's 2 pods Running", async () => {
    const res = await fetch(`${sc.base}/api/v1/agents/${AGENT.id}/workloads`, { headers: { authorization: `Bearer ${CONSOLE_API_TOKEN}` } });
    if (res.status !== 200) return undefined;
    const w = ((await res.json()) as WorkloadsAnswer).workloads.find((x) => x.name === "nginx-deployment-dude");
    return w && w.pods.length === 2 && w.pods.every((p) => p.phase === "Running" && p.ready === "1/1") ? true : undefined;
  }, 180_000, () => sc.agentk.output().slice(-3000) + sc.kas.output().slice(-2000));
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  pageErrors = collectPageErrors(page);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await sc?.stop();
});

test("the operator signs in, follows the agent page's link to its workloads, and sees the nginx Deployment's 2 pods in dude Running", async () => {
  await page.goto(`${sc.base}/`);
  await page.fill("#token", CONSOLE_API_TOKEN);
  await page.click("form.sign-in button");
  await Promise.all([page.waitForURL(`${sc.base}/agents/${AGENT.id}`), page.click(`#agents-body a:text-is("${AGENT.name}")`)]);
  // The dude/naww scenario: the agent page names naww's Forbidden.
  expect(await page.textContent("table.objects")).toMatch(/nginx-deployment-naww.*forbidden/is);
  await Promise.all([page.waitForURL(`${sc.base}${WORKLOADS_PAGE}`), page.click('a:text("Workloads")')]);
  expect(await page.textContent("h1")).toBe(`Workloads of agent ${AGENT.name} (${AGENT.id})`);
  // The console's layout: its header (who, sign-out), its stylesheet.
  expect(await page.textContent("header .who")).toBe("signed in with the API token");
  expect(await page.locator("header form.sign-out button").count()).toBe(1);
  type Styles = { getComputedStyle(el: unknown): { backgroundColor: string } };
  expect(await page.locator("header").evaluate((el) => (globalThis as unknown as Styles).getComputedStyle(el).backgroundColor)).toBe("rgb(36, 41, 47)");
  const rows = podRows(page);
  expect(await rows.count()).toBe(2);
  for (const row of await rows.all()) {
    const cells = await row.locator("td").allTextContents();
    expect(cells.slice(0, 5)).toEqual(["dude", expect.stringMatching(/^nginx-deployment-dude-/), "Running", "1/1", "0"]);
  }
  await page.screenshot({ path: screenshotPath("console-workloads"), fullPage: true });
}, 60_000);

test("following a pod's log: a line written after opening appears without a reload; leaving the page frees agentk's tunnel request", async () => {
  sc.cluster.appendPodLog("browser log line one");
  await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
  await podRows(page).first().locator("button.follow").click();
  await page.waitForSelector('pre#log:has-text("browser log line one")', { timeout: 20_000 });
  expect(await sc.agentk.openRequests()).toBe(1);
  sc.cluster.appendPodLog("browser log line two, written while the page follows");
  await page.waitForSelector('pre#log:has-text("browser log line two, written while the page follows")', { timeout: 20_000 });
  expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  expect(await page.textContent("#follow-title")).toMatch(new RegExp(`^/api/v1/agents/${AGENT.id}/pods/dude/nginx-deployment-dude-[^/]+/log$`));
  await page.screenshot({ path: screenshotPath("console-workloads-log"), fullPage: true });
  // The pods change (another pod replaces one, as the Deployment does): the table follows, without a reload, and the log follow goes on.
  const followed = (await podRows(page).first().locator("td").nth(1).textContent())!;
  const other = (await podRows(page).nth(1).locator("td").nth(1).textContent())!;
  await sc.cluster.kubectl(["delete", "pod", other, "-n", "dude", "--grace-period=0", "--force"]);
  await until("the page's table without the deleted pod, with its replacement Running", async () => {
    const names = await podRows(page).evaluateAll((trs) => trs.map((tr) => [tr.children[1]?.textContent, tr.children[2]?.textContent].join(" ")));
    return names.length === 2 && names.includes(`${followed} Running`) && !names.some((n) => n.startsWith(`${other} `)) && names.every((n) => n.endsWith(" Running")) ? true : undefined;
  }, 60_000, () => sc.kas.output().slice(-2000));
  expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  sc.cluster.appendPodLog("browser log line three, after the table changed");
  await page.waitForSelector('pre#log:has-text("browser log line three, after the table changed")', { timeout: 20_000 });
  // A follow button of the swapped table still works (shown again, and its click heard).
  expect(await podRows(page).nth(1).locator("button.follow").isVisible()).toBe(true);
  await Promise.all([page.waitForURL(`${sc.base}/agents/${AGENT.id}`), page.click("a#back")]);
  await until("agentk: the log request freed", async () => ((await sc.agentk.openRequests()) === 0 ? true : undefined), 15_000, () => sc.agentk.output().slice(-2000));
}, 150_000);

test("no script error and no Content-Security-Policy violation on the workloads views", () => {
  expect(pageErrors).toEqual([]);
});

/** The name of one of the nginx pods, as kas's operator reads it. */
async function firstPodName(): Promise<string> {
  const a = (await (await fetch(`${sc.base}/api/v1/agents/${AGENT.id}/workloads`, { headers: { authorization: `Bearer ${CONSOLE_API_TOKEN}` } })).json()) as WorkloadsAnswer;
  return a.workloads.find((x) => x.name === "nginx-deployment-dude")!.pods[0]!.name;
}

/** A fresh browser context signed in through GitLab as `username`, on the page it asked for (the workloads page by default) once `ready` shows. */
async function signInWithGitLab(username: string, asked = WORKLOADS_PAGE, ready = "h1:text('Workloads of agent')"): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  sc.oauth.signedInAs = sc.user(username);
  const context = await browser.newContext({ viewport: { width: 1280, height: 700 } });
  const p = await context.newPage();
  const errors = collectPageErrors(p);
  expect((await p.goto(`${sc.base}${asked}`))?.status()).toBe(401);
  // Back from GitLab on the page asked for (its URL is the sign-in page's too: wait for the page itself).
  const landed = p.waitForResponse((r) => r.url() === `${sc.base}${asked}` && r.status() === 200);
  await p.click('a:text("Sign in with GitLab")');
  await landed;
  await p.waitForSelector(ready);
  return { context, page: p, errors };
}

test("a GitLab user whose user_access impersonation may not read pods sees the apiserver's Forbidden in the page", async () => {
  const { context, page: p, errors } = await signInWithGitLab("walter");
  try {
    const dude = p.locator("section.workload", { has: p.locator('h2:text-is("Deployment dude/nginx-deployment-dude")') });
    expect(await dude.textContent()).toContain("Pods with app=nginx");
    expect(await dude.locator("p.problem").allTextContents()).toContainEqual(
      expect.stringContaining('Listing pods: Forbidden (HTTP 403): pods is forbidden: User "gitlab:user:walter" cannot list resource "pods" in API group "" in the namespace "dude"'),
    );
    expect(await dude.locator("tbody tr").count()).toBe(0);
    await p.screenshot({ path: screenshotPath("console-workloads-forbidden"), fullPage: true });
    // The JSON beside the page, with the browser's session: the Deployment read (its selector), not its pods, events or logs.
    const a = (await (await p.request.get(`${sc.base}/api/v1/agents/${AGENT.id}/workloads`)).json()) as WorkloadsAnswer;
    const w = a.workloads.find((x) => x.name === "nginx-deployment-dude")!;
    expect(w.selector).toBe("app=nginx");
    expect(w.pods).toEqual([]);
    expect(w.pods_error).toMatchObject({ status: 403, reason: "Forbidden" });
    expect(w.events_error!.message).toContain('User "gitlab:user:walter" cannot list resource "events"');
    const pod = await firstPodName();
    const log = await p.request.get(`${sc.base}/api/v1/agents/${AGENT.id}/pods/dude/${pod}/log?follow=true`);
    expect(log.status()).toBe(403);
    expect(((await log.json()) as { message: string }).message).toContain('User "gitlab:user:walter" cannot get resource "pods/log"');
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
}, 60_000);

test("a GitLab user allowed to read pods sees them and follows a log", async () => {
  const { context, page: p, errors } = await signInWithGitLab("alice");
  try {
    const rows = podRows(p);
    expect(await rows.count()).toBe(2);
    expect(await p.locator("section.workload", { has: p.locator('h2:text-is("Deployment dude/nginx-deployment-dude")') }).locator("p.problem").count()).toBe(0);
    expect((await rows.first().locator("td").allTextContents()).slice(2, 4)).toEqual(["Running", "1/1"]);
    expect(await p.textContent("header .who")).toBe("signed in as @alice");
    sc.cluster.appendPodLog("alice reads this line");
    await rows.first().locator("button.follow").click();
    await p.waitForSelector('pre#log:has-text("alice reads this line")', { timeout: 20_000 });
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
  await until("agentk: alice's log request freed", async () => ((await sc.agentk.openRequests()) === 0 ? true : undefined), 15_000);
}, 60_000);

test("GitLab users see the agents user_access admits them to, and only those: walter sees ci-agent; donny, whom GitLab refuses the agent, sees nothing of it", async () => {
  const walter = await signInWithGitLab("walter", "/", "#agents-body");
  try {
    expect(await walter.page.locator(`#agents-body a:text-is("${AGENT.name}")`).count()).toBe(1);
    expect(((await (await walter.page.request.get(`${sc.base}/api/v1/agents`)).json()) as { agents: { id: string }[] }).agents.map((a) => a.id)).toEqual([AGENT.id]);
    expect((await walter.page.request.get(`${sc.base}/api/v1/agents/${AGENT.id}`)).status()).toBe(200);
  } finally {
    await walter.context.close();
  }
  const donny = await signInWithGitLab("donny", "/", "#agents-body");
  try {
    const p = donny.page;
    expect((await p.textContent("#agents-body"))?.trim()).toBe("no agent you may see has connected");
    expect(await p.textContent("#notices")).toContain("signed in with GitLab: only the agents whose user_access admits you are listed");
    await p.screenshot({ path: screenshotPath("console-agents-gitlab-user-refused") });
    expect(((await (await p.request.get(`${sc.base}/api/v1/agents`)).json()) as { agents: unknown[] }).agents).toEqual([]);
    expect((await p.request.get(`${sc.base}/api/v1/agents/${AGENT.id}`)).status()).toBe(404);
    expect((await p.goto(`${sc.base}/agents/${AGENT.id}`))?.status()).toBe(404);
    expect(await p.textContent("body")).not.toContain("nginx-deployment");
    const json = await p.request.get(`${sc.base}/api/v1/agents/${AGENT.id}/workloads`);
    expect(json.status()).toBe(403);
    expect(((await json.json()) as { message: string }).message).toContain(`GitLab: the token's user may not use agent ${AGENT.id}`);
    expect((await p.goto(`${sc.base}${WORKLOADS_PAGE}`))?.status()).toBe(403);
    expect(await p.textContent("p.problem")).toContain(`Refused: Forbidden (HTTP 403): kas: GitLab: the token's user may not use agent ${AGENT.id}`);
    expect(await p.textContent("body")).not.toContain("nginx-deployment");
  } finally {
    await donny.context.close();
  }
  expect(await sc.agentk.openRequests()).toBe(0);
}, 60_000);
