/**
 * Volumes as a kubelet writes them: Secret, ConfigMap, projected (the
 * ServiceAccount token that admission added, kube-root-ca.crt, downward API
 * namespace) and emptyDir, into a temp dir, with the modes the objects say;
 * Secret and ConfigMap volumes in the kubelet's layout (`..data` -> a
 * timestamped dir, one symlink per key).
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { apiRequest, apiJson, type ApiCredentials } from "../cluster";
import { list, num, obj, onlyKeys, str, UnsupportedField, type Obj } from "./fields";

export interface VolumeContext {
  readonly admin: ApiCredentials;
  readonly pod: Obj;
  /** Folder for this pod's volumes (mode 0700, root). */
  readonly dir: string;
}

type Files = Map<string, { data: Buffer; mode: number }>;

/** Materialises each volume; returns name -> host folder. */
export async function materialiseVolumes(ctx: VolumeContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const meta = obj(ctx.pod.metadata);
  for (const [i, volume] of list(obj(ctx.pod.spec).volumes).entries()) {
    const name = String(volume.name);
    const where = `Pod ${String(meta.namespace)}/${String(meta.name)} spec.volumes[${i}] (${name})`;
    const dir = path.join(ctx.dir, "volumes", name);
    onlyKeys(volume, where, ["name", "secret", "configMap", "projected", "emptyDir"]);
    if (volume.emptyDir !== undefined) {
      onlyKeys(obj(volume.emptyDir), `${where}.emptyDir`, ["medium", "sizeLimit"]);
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777); // as the kubelet makes an emptyDir: any user may write
    } else {
      const files = await volumeFiles(ctx, volume, where);
      writeAtomicLayout(dir, files);
    }
    out.set(name, dir);
  }
  return out;
}

async function volumeFiles(ctx: VolumeContext, volume: Obj, where: string): Promise<Files> {
  const files: Files = new Map();
  if (volume.secret !== undefined || volume.configMap !== undefined) {
    const kind = volume.secret !== undefined ? "secret" : "configMap";
    const src = obj(volume[kind]);
    onlyKeys(src, `${where}.${kind}`, [kind === "secret" ? "secretName" : "name", "items", "defaultMode", "optional"]);
    await addSource(ctx, files, kind, src, num(src.defaultMode) ?? 0o644, `${where}.${kind}`);
    return files;
  }
  const projected = obj(volume.projected);
  onlyKeys(projected, `${where}.projected`, ["sources", "defaultMode"]);
  const mode = num(projected.defaultMode) ?? 0o644;
  for (const [j, source] of list(projected.sources).entries()) {
    const at = `${where}.projected.sources[${j}]`;
    onlyKeys(source, at, ["secret", "configMap", "serviceAccountToken", "downwardAPI"]);
    if (source.secret !== undefined) await addSource(ctx, files, "secret", obj(source.secret), mode, `${at}.secret`);
    else if (source.configMap !== undefined) await addSource(ctx, files, "configMap", obj(source.configMap), mode, `${at}.configMap`);
    else if (source.serviceAccountToken !== undefined) files.set(...(await token(ctx, obj(source.serviceAccountToken), mode, `${at}.serviceAccountToken`)));
    else for (const [k, item] of list(obj(source.downwardAPI).items).entries()) {
      onlyKeys(item, `${at}.downwardAPI.items[${k}]`, ["path", "fieldRef", "mode"]);
      const value = fieldValue(ctx.pod, str(obj(item.fieldRef).fieldPath) ?? "", `${at}.downwardAPI.items[${k}].fieldRef`);
      files.set(String(item.path), { data: Buffer.from(value), mode: num(item.mode) ?? mode });
    }
  }
  return files;
}

/** A Secret's or ConfigMap's keys as files (all, or `items`), as the kubelet refuses a missing object or key unless optional. */
async function addSource(ctx: VolumeContext, files: Files, kind: "secret" | "configMap", src: Obj, mode: number, where: string): Promise<void> {
  const namespace = String(obj(ctx.pod.metadata).namespace);
  const name = str(src.secretName) ?? str(src.name) ?? "";
  const data = await objectData(ctx.admin, kind, namespace, name, where, src.optional === true);
  if (data === undefined) return;
  const items = list(src.items);
  const chosen: Obj[] = items.length > 0 ? items : [...data.keys()].map((key) => ({ key, path: key }));
  for (const [i, item] of chosen.entries()) {
    onlyKeys(item, `${where}.items[${i}]`, ["key", "path", "mode"]);
    const value = data.get(String(item.key));
    if (value === undefined) {
      if (src.optional === true) continue;
      throw new Error(`${where}.items[${i}]: key ${JSON.stringify(item.key)} is not in ${kind} ${namespace}/${name} (keys: ${[...data.keys()].join(", ")})`);
    }
    files.set(String(item.path), { data: value, mode: num(item.mode) ?? mode });
  }
}

/** A Secret's or ConfigMap's data as bytes; undefined when missing and optional, else it throws naming it. */
export async function objectData(admin: ApiCredentials, kind: "secret" | "configMap", namespace: string, name: string, where: string, optional: boolean): Promise<Map<string, Buffer> | undefined> {
  const res = await apiRequest(admin, "GET", `/api/v1/namespaces/${namespace}/${kind === "secret" ? "secrets" : "configmaps"}/${name}`);
  if (res.status === 404) {
    if (optional) return undefined;
    throw new Error(`${where}: ${kind} ${namespace}/${name} does not exist`);
  }
  if (res.status !== 200) throw new Error(`${where}: reading ${kind} ${namespace}/${name}: HTTP ${res.status}: ${res.body.slice(0, 200)}`);
  const o = JSON.parse(res.body) as Obj;
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(obj(o.data))) out.set(k, kind === "secret" ? Buffer.from(String(v), "base64") : Buffer.from(String(v)));
  for (const [k, v] of Object.entries(obj(o.binaryData))) out.set(k, Buffer.from(String(v), "base64"));
  return out;
}

/** The projected token: a TokenRequest for the pod's ServiceAccount, bound to the pod, as the kubelet asks for it. */
async function token(ctx: VolumeContext, src: Obj, mode: number, where: string): Promise<[string, { data: Buffer; mode: number }]> {
  onlyKeys(src, where, ["path", "audience", "expirationSeconds"]);
  const meta = obj(ctx.pod.metadata);
  const sa = str(obj(ctx.pod.spec).serviceAccountName) ?? "default";
  const audience = str(src.audience);
  const tr = await apiJson<{ status: { token: string } }>(ctx.admin, "POST", `/api/v1/namespaces/${String(meta.namespace)}/serviceaccounts/${sa}/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: {
      ...(audience ? { audiences: [audience] } : {}),
      expirationSeconds: num(src.expirationSeconds) ?? 3600,
      boundObjectRef: { kind: "Pod", apiVersion: "v1", name: meta.name, uid: meta.uid },
    },
  });
  return [String(src.path), { data: Buffer.from(tr.status.token), mode }];
}

/** A downward API field, for env and volumes. The pod's IP is the host's loopback: the pod shares the host's network. */
export function fieldValue(pod: Obj, fieldPath: string, where: string): string {
  const meta = obj(pod.metadata);
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (label) return String(obj(meta[label[1]!])[label[2]!] ?? "");
  switch (fieldPath) {
    case "metadata.name":
    case "metadata.namespace":
    case "metadata.uid":
      return String(meta[fieldPath.slice("metadata.".length)]);
    case "spec.serviceAccountName":
      return str(obj(pod.spec).serviceAccountName) ?? "default";
    case "spec.nodeName":
      return str(obj(pod.spec).nodeName) ?? "";
    case "status.podIP":
    case "status.hostIP":
      return "127.0.0.1";
    default:
      throw new UnsupportedField(where, `fieldPath ${JSON.stringify(fieldPath)} is not supported`);
  }
}

/** The kubelet's atomic-writer layout: `..data` -> `..<stamp>/`, each top-level entry a symlink through `..data`. */
function writeAtomicLayout(dir: string, files: Files): void {
  const stamp = `..${new Date().toISOString().replace(/[-:.TZ]/g, "_")}`;
  mkdirSync(path.join(dir, stamp), { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  const top = new Set<string>();
  for (const [rel, { data, mode }] of files) {
    const norm = path.posix.normalize(rel);
    if (norm.startsWith("..") || path.posix.isAbsolute(norm)) throw new Error(`volume item path ${JSON.stringify(rel)} leaves the volume`);
    const file = path.join(dir, stamp, norm);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(file, data, { mode });
    chmodSync(file, mode);
    top.add(norm.split("/")[0]!);
  }
  symlinkSync(stamp, path.join(dir, "..data"));
  for (const entry of top) symlinkSync(path.join("..data", entry), path.join(dir, entry));
}
