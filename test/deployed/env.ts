/**
 * A container's environment as the kubelet builds it: the image's ENV, the
 * Service links, `envFrom`, then `env` (later wins), `$(VAR)` expanded in
 * values, command and args against what is defined before.
 */
import type { ApiCredentials } from "../cluster";
import { list, obj, onlyKeys, str, type Obj } from "./fields";
import { fieldValue, objectData } from "./volumes";

export interface EnvContext {
  readonly admin: ApiCredentials;
  readonly pod: Obj;
  readonly container: Obj;
  readonly where: string;
  /** The image's ENV, plus HOSTNAME as the runtime sets it. */
  readonly base: Readonly<Record<string, string>>;
  /** KUBERNETES_SERVICE_* and the links of Services with a running backend. */
  readonly serviceLinks: Readonly<Record<string, string>>;
}

export async function containerEnv(ctx: EnvContext): Promise<Record<string, string>> {
  const namespace = String(obj(ctx.pod.metadata).namespace);
  const env: Record<string, string> = { ...ctx.base };
  if (obj(ctx.pod.spec).enableServiceLinks !== false) Object.assign(env, ctx.serviceLinks);
  else for (const key of Object.keys(ctx.serviceLinks).filter((k) => k.startsWith("KUBERNETES_"))) env[key] = ctx.serviceLinks[key]!;
  for (const [i, from] of list(ctx.container.envFrom).entries()) {
    const where = `${ctx.where}.envFrom[${i}]`;
    onlyKeys(from, where, ["prefix", "secretRef", "configMapRef"]);
    const kind = from.secretRef !== undefined ? "secret" : "configMap";
    const ref = obj(from.secretRef ?? from.configMapRef);
    const data = await objectData(ctx.admin, kind, namespace, String(ref.name), where, ref.optional === true);
    for (const [k, v] of data ?? []) env[`${str(from.prefix) ?? ""}${k}`] = v.toString("utf8");
  }
  for (const [i, e] of list(ctx.container.env).entries()) {
    const where = `${ctx.where}.env[${i}] (${String(e.name)})`;
    onlyKeys(e, where, ["name", "value", "valueFrom"]);
    if (e.valueFrom === undefined) {
      env[String(e.name)] = expand(str(e.value) ?? "", env);
      continue;
    }
    const from = obj(e.valueFrom);
    onlyKeys(from, `${where}.valueFrom`, ["secretKeyRef", "configMapKeyRef", "fieldRef"]);
    if (from.fieldRef !== undefined) {
      env[String(e.name)] = fieldValue(ctx.pod, String(obj(from.fieldRef).fieldPath), `${where}.valueFrom.fieldRef`);
      continue;
    }
    const kind = from.secretKeyRef !== undefined ? "secret" : "configMap";
    const ref = obj(from.secretKeyRef ?? from.configMapKeyRef);
    const at = `${where}.valueFrom.${kind}KeyRef`;
    const optional = ref.optional === true;
    const data = await objectData(ctx.admin, kind, namespace, String(ref.name), at, optional);
    const value = data?.get(String(ref.key));
    if (value !== undefined) env[String(e.name)] = value.toString("utf8");
    else if (!optional) throw new Error(`${at}: key ${JSON.stringify(ref.key)} is not in ${kind} ${namespace}/${String(ref.name)} (keys: ${[...(data?.keys() ?? [])].join(", ")})`);
  }
  return env;
}

/** The kubelet's `$(VAR)` expansion: defined names are replaced, `$$` is a literal `$`, anything else stays. */
export function expand(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (name === undefined ? "$" : env[name] ?? m));
}
