/**
 * Pulumi's unit-test mocks for the infra tests: every resource the program
 * under test builds is recorded, in order, with its inputs.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Created {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** The provider reference, when the resource names one. */
  readonly provider?: string;
}

export interface RecordingMocks {
  /** A resource's state (its outputs) as the engine would answer; default: its inputs. */
  readonly state?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>;
  /** The answer to an invoke; undefined (or no function) answers with its inputs. */
  readonly call?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown> | undefined;
}

/**
 * Installs the mocks (project gitops-agent, stack `stack`, not a preview: in
 * a preview, unset outputs stay unknown and `apply` never runs). Import the
 * modules under test after this. Resolves with the list resources are
 * recorded into.
 */
export async function recordResources(stack: string, mocks: RecordingMocks = {}): Promise<Created[]> {
  const created: Created[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        created.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown>, ...(args.provider ? { provider: args.provider } : {}) });
        return { id: `${args.name}-id`, state: mocks.state ? mocks.state(args) : args.inputs };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return mocks.call?.(args) ?? args.inputs;
      },
    },
    "gitops-agent",
    stack,
    false,
  );
  return created;
}

/** The value at `path` in a recorded object (inputs, a manifest), or undefined. */
export const at = (o: unknown, ...path: (string | number)[]): unknown => path.reduce<unknown>((v, k) => (v as Record<string, unknown> | unknown[] | undefined)?.[k as never], o);

/** The recorded resources of `type` (and `name`, when given). */
export const ofType = (list: readonly Created[], type: string, name?: string): Created[] => list.filter((r) => r.type === type && (name === undefined || r.name === name));

/** What `make` records: it builds resources and returns an output; once that resolves (and `settleMs` more), the resources recorded since. */
export async function recordedDuring(created: readonly Created[], make: () => pulumi.Output<unknown>, settleMs = 50): Promise<Created[]> {
  const before = created.length;
  const output = make();
  await new Promise((resolve) => output.apply(resolve));
  await new Promise((r) => setTimeout(r, settleMs));
  return created.slice(before);
}
