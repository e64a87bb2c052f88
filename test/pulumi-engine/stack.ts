import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import {
  LocalWorkspace,
  PulumiCommand,
  type ConfigMap,
  type DestroyOptions,
  type DestroyResult,
  type PreviewOptions,
  type PreviewResult,
  type PulumiFn,
  type Stack,
  type UpOptions,
  type UpResult,
} from "@pulumi/pulumi/automation";
import { ensurePulumiEngine } from "./binary";
import { writePolicyLauncher } from "./policy-launcher";

const REPO_ROOT = path.resolve(__dirname, "../..");
const NODE_MODULES = path.join(REPO_ROOT, "node_modules");
/** Runs' temp dirs live inside the repo so that the workDir resolves `@pulumi/pulumi` (dynamic providers need that). Git-ignored. */
export const WORK_ROOT = path.join(__dirname, ".work");
/** Every run has its own backend; the passphrase only guards that throwaway state. */
const PASSPHRASE = "gitops-agent-test-engine";

export interface PulumiStackOptions {
  readonly projectName: string;
  readonly stackName: string;
  /** The inline program: runs inside this Node process (no language host), the engine is called with --client. */
  readonly program: PulumiFn;
  /** Stack config, e.g. `{ "gitops-agent:namespaces": { value: "..." } }`. */
  readonly config?: ConfigMap;
  /** Policy pack folders (e.g. infra/policy); preview and up run them through generated launchers. */
  readonly policyPacks?: readonly string[];
  /**
   * A project file to run under (e.g. the repository's Pulumi.yaml, with its config schema), its
   * `name` and `main:` replaced: the program is inline. Default: a bare `name` and `runtime`.
   */
  readonly projectFile?: string;
  /**
   * The stack file's `config:` (Pulumi.<stack>.yaml beside Pulumi.yaml), written as a user's stack
   * file holds it: maps and lists stay YAML, not JSON strings. `run.writeStackConfig` rewrites it.
   */
  readonly stackConfig?: Readonly<Record<string, unknown>>;
  /** Extra environment for the engine's processes, over the run's own (e.g. a KUBECONFIG for the default provider). */
  readonly env?: Readonly<Record<string, string>>;
}

/** One engine run: the stack, and preview/up/destroy with the run's policy packs applied. */
export interface PulumiStackRun {
  readonly stack: Stack;
  /** The run's temp dir (backend, PULUMI_HOME, TMPDIR, workDir); deleted when withPulumiStack returns. */
  readonly dir: string;
  /** The launchers' paths, as passed to preview and up. */
  readonly policyPacks: readonly string[];
  /** Rewrites the stack file's `config:` (keeping what Pulumi added, such as encryptionsalt), as a person edits it. */
  writeStackConfig(config: Readonly<Record<string, unknown>>): void;
  preview(options?: PreviewOptions): Promise<PreviewResult>;
  up(options?: UpOptions): Promise<UpResult>;
  destroy(options?: DestroyOptions): Promise<DestroyResult>;
}

/** The environment of every CLI (and so provider and policy pack) process of one run. process.env is left alone. */
function runEnv(dir: string, binDir: string): Record<string, string> {
  return {
    PULUMI_BACKEND_URL: `file://${path.join(dir, "backend")}`,
    PULUMI_HOME: path.join(dir, "home"),
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // The Kubernetes provider writes a kubeconfig holding the client key per process and never removes it.
    TMPDIR: path.join(dir, "tmp"),
    // No default kubeconfig to fall back on: a program names its cluster with an explicit Provider (or options.env).
    KUBECONFIG: path.join(dir, "no-default-kubeconfig"),
    // Our pulumi and provider; @pulumi/pulumi's pulumi-resource-pulumi-nodejs (dynamic providers) and the node it runs.
    PATH: [binDir, path.join(NODE_MODULES, "@pulumi", "pulumi"), path.dirname(process.execPath), process.env.PATH ?? ""].join(
      path.delimiter,
    ),
  };
}

/**
 * Runs `fn` with a fresh stack on the real engine (test/pulumi-engine/build.sh)
 * in a fresh temp dir, and always deletes that dir afterwards. Resources the
 * program created stay on the cluster unless `fn` destroys them.
 */
export async function withPulumiStack<T>(options: PulumiStackOptions, fn: (run: PulumiStackRun) => Promise<T>): Promise<T> {
  const engine = await ensurePulumiEngine();
  mkdirSync(WORK_ROOT, { recursive: true });
  const dir = mkdtempSync(path.join(WORK_ROOT, `${options.stackName}-`));
  try {
    const workDir = path.join(dir, "project");
    for (const sub of ["backend", "home", "tmp", "project"]) mkdirSync(path.join(dir, sub));
    // No `main:`: the program is inline, and a main would send the CLI looking for the Node.js language host.
    writeFileSync(path.join(workDir, "Pulumi.yaml"), projectYaml(options));
    const stackFile = path.join(workDir, `Pulumi.${options.stackName}.yaml`);
    const writeStackConfig = (config: Readonly<Record<string, unknown>>): void => {
      const current = existsSync(stackFile) ? ((parse(readFileSync(stackFile, "utf8")) as Record<string, unknown> | null) ?? {}) : {};
      writeFileSync(stackFile, stringify({ ...current, config }));
    };
    if (options.stackConfig) writeStackConfig(options.stackConfig);
    const policyPacks = (options.policyPacks ?? []).map((pack, i) =>
      writePolicyLauncher(dir, path.resolve(pack), NODE_MODULES, `${i}-${path.basename(pack)}`),
    );
    const pulumiCommand = await PulumiCommand.get({ root: engine.root });
    const stack = await LocalWorkspace.createOrSelectStack(
      { projectName: options.projectName, stackName: options.stackName, program: options.program },
      { workDir, envVars: { ...runEnv(dir, engine.binDir), ...options.env }, pulumiCommand },
    );
    if (options.config) await stack.setAllConfig(options.config);
    return await fn({
      stack,
      dir,
      policyPacks,
      writeStackConfig,
      preview: (o) => stack.preview({ policyPacks, ...o }),
      up: (o) => stack.up({ policyPacks, ...o }),
      destroy: (o) => stack.destroy(o),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The run's Pulumi.yaml: no `main:` (inline program), the given project file's other keys. */
function projectYaml(options: PulumiStackOptions): string {
  const base = options.projectFile ? (parse(readFileSync(options.projectFile, "utf8")) as Record<string, unknown>) : {};
  const { main: _main, ...rest } = base;
  return stringify({ ...rest, name: options.projectName, runtime: rest.runtime ?? "nodejs" });
}
