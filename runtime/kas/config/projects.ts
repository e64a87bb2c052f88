/** kas.yaml's `projects:`: the repositories kas serves, and who may read them. */
import * as path from "node:path";
import type { KeyPath } from "../../common/config-kit";
import type { ProjectConfig } from "./schema";
import { file, text, type KasReader } from "./values";

export function parseProjects(k: KasReader, value: unknown): ProjectConfig[] {
  const seen = new Set<string>();
  const items = k.r.list(value, ["projects"], "projects") ?? [];
  return items.flatMap((item, i): ProjectConfig[] => {
    const project = parseProject(k, item, ["projects", i]);
    if (project === undefined) return [];
    if (seen.has(project.id)) k.r.error(["projects", i, "id"], `project ${JSON.stringify(project.id)} is listed twice`);
    seen.add(project.id);
    return [project];
  });
}

function parseProject(k: KasReader, item: unknown, at: KeyPath): ProjectConfig | undefined {
  const { r } = k;
  // A null entry (`- `) reads as an empty one: "id and url are required".
  const m = r.mapping(item ?? {}, at, ["id", "url", "public", "agents", "credentials", "web_url"]);
  if (!m) return undefined;
  const id = text(k, m.id, [...at, "id"]);
  const url = text(k, m.url, [...at, "url"]);
  if (!id || !url) {
    r.error(at, "id and url are required");
    return undefined;
  }
  const c = m.credentials === undefined ? undefined : r.mapping(m.credentials, [...at, "credentials"], ["username", "password_file"]);
  const username = c && text(k, c.username, [...at, "credentials", "username"]);
  const passwordFile = c && file(k, c.password_file, [...at, "credentials", "password_file"]);
  const isRemote = /^https?:\/\//.test(url);
  const webUrl = m.web_url === undefined ? undefined : text(k, m.web_url, [...at, "web_url"]);
  if (webUrl !== undefined && !/^https?:\/\/[^\s"<>]+$/.test(webUrl)) r.error([...at, "web_url"], `expected an http(s) URL such as https://gitlab.example.com/group/project, got ${JSON.stringify(webUrl)}`);
  return {
    id,
    url: isRemote || url.startsWith("file://") ? url : path.resolve(k.base, url),
    public: r.boolean(m.public, [...at, "public"]) ?? false,
    agents: r.strings(m.agents, [...at, "agents"], { nonEmpty: true }) ?? [],
    credentials: username && passwordFile ? { username, passwordFile } : undefined,
    ...(webUrl && /^https?:\/\//.test(webUrl) ? { webUrl: webUrl.replace(/\/+$/, "") } : {}),
  };
}
