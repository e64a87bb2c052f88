/** GeneratedSecret: made once at creation, kept unless its size changes, usable as an ElastiCache auth token. */
import * as pulumi from "@pulumi/pulumi";
import { generatedSecretProvider as provider } from "./generated-secret";

test("create makes 32 random bytes as base64url: 43 characters ElastiCache accepts as an auth token, new each time", async () => {
  const { id, outs } = await provider.create({ bytes: 32 });
  expect(outs!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  // ElastiCache: 16 to 128 printable characters, none of / " @.
  expect(outs!.value).not.toMatch(/[/"@]/);
  expect((await provider.create({ bytes: 32 })).outs!.value).not.toBe(outs!.value);
  expect(id).toMatch(/^generated:/);
  expect(id).not.toContain(outs!.value);
});

test("the value is kept: no change for the same size, a replacement for another", async () => {
  const { id, outs } = await provider.create({ bytes: 32 });
  expect(await provider.diff!(id, outs!, { bytes: 32 })).toEqual({ changes: false, replaces: [] });
  expect(await provider.diff!(id, outs!, { bytes: 48 })).toEqual({ changes: true, replaces: ["bytes"] });
});

test("the provider runs from the text Pulumi serializes it to", async () => {
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  const module = { exports: {} as Record<string, () => typeof provider> };
  new Function("exports", "require", "module", serialized.text)(module.exports, require, module);
  const { outs } = await module.exports[serialized.exportName]!().create({ bytes: 16 });
  expect(outs!.value).toMatch(/^[A-Za-z0-9_-]{22}$/);
});
