import { decodeFile, DOCUMENTS_PER_TURN } from "../plan";
import { decodeCache } from "./decode-cache";

const file = (path: string, text: string) => ({ path, data: Buffer.from(text) });
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {on: yes}\n`;

test("a file with the same path and content is decoded once; its documents are frozen and shared", () => {
  const decode = decodeCache();
  const first = decode(file("a.yaml", cm("a")));
  expect(first.documents[0]?.value).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { true: true } });
  expect(Object.isFrozen(first.documents[0]?.value)).toBe(true);
  expect(decode(file("a.yaml", cm("a")))).toBe(first);
});

test("another content or another path is decoded again: errors name the file they are in", () => {
  const decode = decodeCache();
  const a = decode(file("a.yaml", cm("a")));
  expect(decode(file("a.yaml", cm("b")))).not.toBe(a);
  const broken = "kind: [\n";
  const inX = decode(file("x.yaml", broken));
  const inY = decode(file("y.yaml", broken));
  expect(inX.errors[0]?.message).toContain("x.yaml");
  expect(inY.errors[0]?.message).toContain("y.yaml");
  // JSON or YAML is decided by the name too.
  expect(decode(file("c.json", '{"kind": "A", "on": 1}')).documents[0]?.value).toEqual({ kind: "A", on: 1 });
});

test("the memo is bounded: past its budget the oldest files are decoded again", () => {
  const decode = decodeCache(8 * (500 + 4 * cm("a").length));
  const a = decode(file("a.yaml", cm("a")));
  for (let i = 0; i < 10; i++) decode(file(`f${i}.yaml`, cm(`f${i}`)));
  expect(decode(file("a.yaml", cm("a")))).not.toBe(a);
  expect(decode(file("a.yaml", cm("a")))).toEqual(a);
});

test("prepare decodes with turns of the event loop (a file of many documents does not hold it), to what decodeFile gives", async () => {
  const decode = decodeCache();
  const many = file("many.yaml", Array.from({ length: 10 * DOCUMENTS_PER_TURN }, (_, i) => cm(`m${i}`)).join("---\n"));
  const other = file("other.yaml", cm("o"));
  let turns = 0;
  let counting = true;
  const tick = (): void => {
    turns++;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  const ready = await decode.prepare([many, other]);
  counting = false;
  // Ten runs of documents in the big file: the loop had at least nine turns while it was decoded.
  expect(turns).toBeGreaterThanOrEqual(9);
  expect(ready(many)).toEqual(decodeFile(many));
  expect(ready(many).documents).toHaveLength(10 * DOCUMENTS_PER_TURN);
  expect(ready(other)).toBe(decode(other));
});
