import { parse } from "yaml";
import { inventoryConfigMap, inventoryEntry, nextInventory, objRefKey, parseObjRefKey, planPrune, readInventory, readInventoryEntry, type ObjRef } from "./index";

const ref = (namespace: string, name: string, group: string, kind: string): ObjRef => ({ group, kind, namespace, name });

const deployment = ref("dude", "web", "apps", "Deployment");
const service = ref("dude", "web", "", "Service");
const namespace = ref("", "dude", "", "Namespace");
const delegator = ref("", "system:auth-delegator", "rbac.authorization.k8s.io", "ClusterRoleBinding");
const configMap = ref("dude", "settings", "", "ConfigMap");

describe("inventory keys, as cli-utils writes them", () => {
  test.each([
    [deployment, "dude_web_apps_Deployment"],
    [service, "dude_web__Service"],
    [namespace, "_dude__Namespace"],
    [delegator, "_system__auth-delegator_rbac.authorization.k8s.io_ClusterRoleBinding"],
    [ref("dude", "a:b", "", "ConfigMap"), "dude_a:b__ConfigMap"],
  ])("%j <-> %s", (r, key) => {
    expect(objRefKey(r)).toBe(key);
    expect(parseObjRefKey(key)).toEqual(r);
  });

  test.each(["nounderscore", "a_b", "ns_name_group", "ns__group_Kind", "ns_name_group_", "ns_na_me_group_Kind"])("%s is not a key", (key) => {
    expect(parseObjRefKey(key)).toEqual({ error: `expected <namespace>_<name>_<group>_<kind>, found ${JSON.stringify(key)}` });
  });
});

describe("inventoryConfigMap / readInventory", () => {
  test("the ConfigMap: inventory-id label, one sorted key per object, values empty", () => {
    expect(inventoryConfigMap("inventory-dude-agent", "gitlab-agent", "dude-agent-42", [service, deployment, namespace, deployment])).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "inventory-dude-agent", namespace: "gitlab-agent", labels: { "cli-utils.sigs.k8s.io/inventory-id": "dude-agent-42" } },
      data: { _dude__Namespace: "", dude_web__Service: "", dude_web_apps_Deployment: "" },
    });
  });

  test("round trip", () => {
    const refs = [deployment, service, namespace, delegator];
    expect(readInventory(inventoryConfigMap("i", "ns", "id", refs))).toEqual({ inventoryId: "id", refs: expect.arrayContaining(refs), errors: [] });
  });

  test("a live inventory: foreign keys ignored, malformed entries reported, status values (cli-utils' status mode) accepted", () => {
    const live = parse(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: inventory-dude-agent
  namespace: gitlab-agent
  labels: {cli-utils.sigs.k8s.io/inventory-id: dude-agent-42}
  resourceVersion: "123"
data:
  dude_web_apps_Deployment: ""
  _dude__Namespace: '{"strategy":"Apply","actuation":"Succeeded","reconcile":"Succeeded"}'
  README: "managed by agentk"
  dude_broken_apps: ""
`);
    expect(readInventory(live)).toEqual({
      inventoryId: "dude-agent-42",
      refs: [namespace, deployment],
      errors: ['data: expected <namespace>_<name>_<group>_<kind>, found "dude_broken_apps"'],
    });
  });

  test.each([
    [undefined, { refs: [], errors: [] }],
    [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "i" } }, { refs: [], errors: [] }],
    [{ data: ["x"] }, { refs: [], errors: ["data: expected a mapping of inventory keys"] }],
  ])("readInventory(%j)", (cm, want) => {
    expect(readInventory(cm)).toEqual(want);
  });
});

describe("inventoryEntry / readInventoryEntry: one project's key in the agent's one inventory ConfigMap", () => {
  test("cli-utils' keys, one a line, distinct and sorted: the same set is the same value", () => {
    expect(inventoryEntry([service, deployment, namespace, deployment])).toBe("_dude__Namespace\ndude_web__Service\ndude_web_apps_Deployment");
    expect(inventoryEntry([deployment, namespace, service])).toBe(inventoryEntry([service, deployment, namespace]));
    expect(inventoryEntry([])).toBe("");
  });

  test("round trip, including a name with a colon", () => {
    const refs = [deployment, service, namespace, delegator];
    expect(readInventoryEntry("agent-1-abc", inventoryEntry(refs))).toEqual({ refs: expect.arrayContaining(refs), errors: [] });
    expect(readInventoryEntry("agent-1-abc", inventoryEntry(refs)).refs).toHaveLength(4);
  });

  test("an empty value is an empty inventory; lines without '_' are ignored; malformed lines are reported with the key", () => {
    expect(readInventoryEntry("agent-1-abc", "")).toEqual({ refs: [], errors: [] });
    expect(readInventoryEntry("agent-1-abc", "note\ndude_web_apps_Deployment\ndude_broken_apps\n")).toEqual({
      refs: [deployment],
      errors: ['data.agent-1-abc: expected <namespace>_<name>_<group>_<kind>, found "dude_broken_apps"'],
    });
  });
});

describe("planPrune / nextInventory", () => {
  test.each([
    {
      name: "removed from Git: pruned, in prune order",
      previous: [namespace, configMap, deployment, service],
      current: [service],
      failedToApply: [],
      want: [deployment, configMap, namespace],
    },
    {
      name: "nothing removed: nothing pruned",
      previous: [deployment],
      current: [deployment, service],
      failedToApply: [],
      want: [],
    },
    {
      name: "an object still in Git whose apply failed is never pruned, even if left out of current",
      previous: [deployment, configMap],
      current: [],
      failedToApply: [deployment],
      want: [configMap],
    },
  ])("$name", ({ previous, current, failedToApply, want }) => {
    expect(planPrune(previous, current, failedToApply)).toEqual(want);
  });

  test.each([
    { name: "the objects in Git", current: [service, deployment], pruneFailed: [], notOwned: [], want: [service, deployment] },
    { name: "plus those whose prune failed, to retry", current: [service], pruneFailed: [configMap], notOwned: [], want: [configMap, service] },
    { name: "minus those another inventory owns", current: [service, deployment], pruneFailed: [], notOwned: [deployment], want: [service] },
  ])("nextInventory: $name", ({ current, pruneFailed, notOwned, want }) => {
    expect(nextInventory(current, pruneFailed, notOwned)).toEqual(want);
  });
});
