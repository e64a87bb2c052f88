/**
 * agentk's flags from the command line to options: each bad value named with
 * what was expected (issue 15), without starting anything.
 */
import { parseCommandLine, type CommandSpec, type FlagSpecs, type FlagValues } from "../common";
import { DEFAULT_AGENT_NAMESPACE } from "../common/deploy";
import { GENERATE_COMMAND, generateFlags, RUN_COMMAND, runFlags } from "./flags";

function values<S extends FlagSpecs>(spec: CommandSpec<S>, argv: string[]): FlagValues<S> {
  const line = parseCommandLine(spec, argv);
  if (line.kind !== "run") throw new Error(`expected a command line to run, got ${JSON.stringify(line)}`);
  return line.values;
}
const generate = (...argv: string[]) => generateFlags(values(GENERATE_COMMAND, argv));
const run = (argv: string[], env: NodeJS.ProcessEnv = { AGENTK_TOKEN: "t" }) => runFlags(values(RUN_COMMAND, argv), env, "host-1");
const GEN = ["--agent-token", "glagent-x", "--kas-address", "grpc://kas:8150", "--namespace", "agents"];

describe("agentk generate flags", () => {
  test("the options, defaults left to installObjects", () => {
    expect(generate(...GEN, "--write-namespace", "dude", "--replicas", "2", "--pod-security", "baseline")).toEqual({
      ok: { agentToken: "glagent-x", kasAddress: "grpc://kas:8150", namespace: "agents", writeNamespaces: ["dude"], name: undefined, image: undefined, replicas: 2, podSecurity: "baseline" },
    });
  });

  test("--agent-token without a value is a usage error, not the token \"true\"", () => {
    expect(parseCommandLine(GENERATE_COMMAND, ["--agent-token", "--kas-address", "grpc://kas:8150", "--namespace", "agents"])).toEqual({
      kind: "usage-error",
      errors: ["--agent-token needs a value: --agent-token <token> or --agent-token=<token>"],
    });
    expect(parseCommandLine(GENERATE_COMMAND, [...GEN, "--agent-token"])).toMatchObject({ kind: "usage-error" });
  });

  test("every bad value at once, each naming its flag and what it expects", () => {
    expect(generate("--agent-token", "t", "--kas-address", "notaurl", "--namespace", "Bad_NS", "--replicas", "abc", "--write-namespace", "Dude", "--name", "Agent", "--pod-security", "strict")).toEqual({
      errors: [
        '--kas-address is "notaurl"; expected a URL grpc://, grpcs://, ws://, wss:// followed by host[:port], e.g. grpc://kas.example.com:8150',
        expect.stringMatching(/^--namespace is "Bad_NS"; expected a DNS label/),
        expect.stringMatching(/^--write-namespace is "Dude"; expected a DNS label/),
        expect.stringMatching(/^--name is "Agent"; expected a DNS label/),
        '--replicas is "abc"; expected a whole number from 0 to 1000',
        '--pod-security is "strict"; expected one of restricted, baseline, privileged',
      ],
    });
  });

  test("the required flags are named when missing", () => {
    expect(generate()).toEqual({
      errors: [
        "--agent-token is required: the agent token kas issued",
        expect.stringMatching(/^--kas-address is required: kas's agent endpoint: grpc:\/\//),
        "--namespace is required: the agent's own namespace",
      ],
    });
  });

  test("a namespace named twice is written once", () => {
    expect(generate(...GEN, "--write-namespace", "dude", "--write-namespace", "naww", "--write-namespace", "dude")).toMatchObject({ ok: { writeNamespaces: ["dude", "naww"] } });
  });
});

describe("agentk flags", () => {
  test("defaults: namespace from $POD_NAMESPACE, pod name from $POD_NAME else the host, :8080, leader election on, info", () => {
    expect(run(["--kas-address", "wss://kas.example.com"])).toEqual({
      ok: { kasAddress: "wss://kas.example.com", tokenFile: undefined, caCertFile: undefined, observabilityAddress: ":8080", kubeconfig: undefined, namespace: DEFAULT_AGENT_NAMESPACE, podName: "host-1", leaderElection: true, logLevel: "info", tunnels: 4, allowImpersonation: false },
    });
    expect(run(["--kas-address", "grpc://k:1"], { AGENTK_TOKEN: "t", POD_NAMESPACE: "ns", POD_NAME: "pod" })).toMatchObject({ ok: { namespace: "ns", podName: "pod" } });
    expect(run(["--kas-address", "grpc://k:1", "--allow-impersonation"])).toMatchObject({ ok: { allowImpersonation: true } });
  });

  test("--tunnels: 4 by default, 0 turns the tunnel pool off, anything else is named", () => {
    expect(run(["--kas-address", "grpc://kas:8150", "--tunnels", "0"])).toMatchObject({ ok: { tunnels: 0 } });
    expect(run(["--kas-address", "grpc://kas:8150", "--tunnels", "8"])).toMatchObject({ ok: { tunnels: 8 } });
    expect(run(["--kas-address", "grpc://kas:8150", "--tunnels", "65"])).toEqual({ errors: ['--tunnels is "65"; expected a whole number from 0 to 64'] });
  });

  test("--observability-listen-address \"\" or off: no listener; --leader-election false", () => {
    expect(run(["--kas-address", "grpc://k:1", "--observability-listen-address=", "--leader-election", "false"])).toMatchObject({ ok: { observabilityAddress: undefined, leaderElection: false } });
    expect(run(["--kas-address", "grpc://k:1", "--observability-listen-address", "off"])).toMatchObject({ ok: { observabilityAddress: undefined } });
  });

  test("bad values and a missing token, all named", () => {
    expect(run(["--kas-address", "notaurl", "--namespace", "Bad_NS", "--log-level", "verbose", "--leader-election", "maybe"], {})).toEqual({
      errors: [
        expect.stringMatching(/^--kas-address is "notaurl"; expected a URL grpc:\/\//),
        "an agent token is required: --token-file <file> or $AGENTK_TOKEN",
        expect.stringMatching(/^--namespace is "Bad_NS"; expected a DNS label/),
        '--leader-election is "maybe"; expected one of true, false',
        '--log-level is "verbose"; expected one of debug, info, warn, error',
      ],
    });
  });

  test("--kas-address is required", () => {
    expect(run([])).toEqual({ errors: [expect.stringMatching(/^--kas-address is required: kas's agent endpoint/)] });
  });
});
