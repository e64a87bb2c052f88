/**
 * A random secret made once, at creation, and kept in the stack's state (a
 * secret output), like the local agent token: the same value on every later
 * `pulumi up`, so the Secrets and the ElastiCache auth token built from it do
 * not change. (@pulumi/random would do; this keeps the dependencies as they are.)
 */
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

export interface GeneratedSecretInputs {
  /** Random bytes; the value is their base64url (no `/`, `"` or `@`, which ElastiCache refuses in an auth token). */
  readonly bytes: number;
}

export interface GeneratedSecretOutputs {
  readonly bytes: number;
  /** Secret by additionalSecretOutputs. */
  readonly value: string;
}

export function newSecretValue(bytes: number): string {
  return randomBytes(bytes).toString("base64url");
}

export const generatedSecretProvider: pulumi.dynamic.ResourceProvider<GeneratedSecretInputs, GeneratedSecretOutputs> = {
  async diff(_id, olds, news) {
    const changes = olds.bytes !== news.bytes;
    return { changes, replaces: changes ? ["bytes"] : [] };
  },
  async create(inputs) {
    return { id: `generated:${newSecretValue(6)}`, outs: { bytes: inputs.bytes, value: newSecretValue(inputs.bytes) } };
  },
};

/** `value`: base64url of `bytes` random bytes (default 32), secret, made at creation and kept. */
export class GeneratedSecret extends pulumi.dynamic.Resource {
  declare readonly value: pulumi.Output<string>;

  constructor(name: string, args: { readonly bytes?: number } = {}, opts?: pulumi.CustomResourceOptions) {
    super(generatedSecretProvider, name, { bytes: args.bytes ?? 32, value: undefined }, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["value"] }), "kas", "GeneratedSecret");
  }
}
