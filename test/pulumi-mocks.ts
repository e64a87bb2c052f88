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
