/** kas.yaml's `console:`: GitLab sign-in, in GitLab mode only, with its callback where kas answers it. */
import { KasConfigError, parseKasConfig } from "./index";

const FILE = "/etc/kas/kas.yaml";
const GITLAB = "agents: { registry: gitlab, gitlab: { url: https://gitlab.internal, secret_file: kas-secret } }";
const config = (agents: string, console: string): string => `
listen: { grpc: "127.0.0.1:8150", api: "127.0.0.1:8155" }
${agents}
console: ${console}
`;
const errorOf = (text: string): string => {
  try {
    parseKasConfig(text, FILE);
  } catch (err) {
    if (err instanceof KasConfigError) return err.message;
    throw err;
  }
  throw new Error("expected a KasConfigError");
};

test("GitLab mode: the console's OAuth application; GitLab's URL defaults to agents.gitlab.url; files resolved next to kas.yaml", () => {
  const c = parseKasConfig(config(GITLAB, "{ gitlab: { client_id: app, client_secret_file: app-secret, redirect_url: 'https://kas.example.com/oauth/callback', users: [alice] } }"), FILE);
  expect(c.console).toEqual({ gitlab: { url: "https://gitlab.internal", clientId: "app", clientSecretFile: "/etc/kas/app-secret", redirectUrl: "https://kas.example.com/oauth/callback", users: ["alice"] } });
  const own = parseKasConfig(config(GITLAB, "{ gitlab: { url: 'https://gitlab.example.com/', client_id: app, client_secret_file: s, redirect_url: 'https://kas.example.com/oauth/callback' } }"), FILE);
  expect(own.console?.gitlab).toMatchObject({ url: "https://gitlab.example.com", users: [] });
});

test.each([
  ["the file registry", config("agents: { registry: file, file: agents.yaml }", "{ gitlab: { client_id: a, client_secret_file: s, redirect_url: 'https://k/oauth/callback' } }"), "console.gitlab: GitLab sign-in needs GitLab mode"],
  ["a callback elsewhere", config(GITLAB, "{ gitlab: { client_id: a, client_secret_file: s, redirect_url: 'https://k/callback' } }"), "console.gitlab.redirect_url: expected an http(s) URL ending in /oauth/callback"],
  ["no client id", config(GITLAB, "{ gitlab: { client_secret_file: s, redirect_url: 'https://k/oauth/callback' } }"), "console.gitlab: client_id, client_secret_file and redirect_url are required"],
  ["a typo", config(GITLAB, "{ gitlab: { client: a } }"), "console.gitlab.client: unknown key"],
])("%s is refused, naming the key", (_name, text, expected) => {
  expect(errorOf(text)).toContain(expected);
});

test("projects[].web_url (the console links commits to it): kept without a trailing slash; not an http(s) URL is refused", () => {
  const projects = (web: string) => `listen: { grpc: "127.0.0.1:8150" }\nagents: { registry: file, file: agents.yaml }\nprojects: [{ id: g/p, url: /srv/git/p.git, web_url: '${web}' }]\n`;
  expect(parseKasConfig(projects("https://gitlab.example.com/g/p/"), FILE).projects[0]?.webUrl).toBe("https://gitlab.example.com/g/p");
  expect(errorOf(projects("javascript:alert(1)"))).toContain("projects[0].web_url: expected an http(s) URL");
});

test("with redis, GitLab sign-in needs a secret the replicas share for the stored sessions: console.session_secret_file, or private_api's", () => {
  const redis = "redis: { server: { address: '127.0.0.1:6379' } }";
  const gitlab = "gitlab: { client_id: app, client_secret_file: s, redirect_url: 'https://k/oauth/callback' }";
  expect(errorOf(`${config(GITLAB, `{ ${gitlab} }`)}${redis}\n`)).toContain("console: redis and console.gitlab are set, but no secret every replica shares");
  const c = parseKasConfig(`${config(GITLAB, `{ ${gitlab}, session_secret_file: session-secret }`)}${redis}\n`, FILE);
  expect(c.console?.sessionSecretFile).toBe("/etc/kas/session-secret");
  // Without GitLab sign-in nothing secret is stored (an API-token session holds no token): nothing required.
  expect(parseKasConfig(`${config(GITLAB, "{}")}${redis}\n`, FILE).console).toEqual({});
});
