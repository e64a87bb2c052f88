/**
 * Rendering runtime/common/deploy's plain manifests as Pulumi resources. The
 * builders take `string | V` where Pulumi has an Output (a generated name, a
 * secret token); the engine resolves nested Inputs wherever they stand, which
 * the SDK's args types spell out field by field, hence the one cast here.
 */
import type * as pulumi from "@pulumi/pulumi";

/** A value the engine resolves later, which the shared builders only place. */
export type Later = pulumi.OutputInstance<unknown> | Promise<unknown>;

export const plain = <T>(manifest: Record<string, unknown>): T => manifest as T;
