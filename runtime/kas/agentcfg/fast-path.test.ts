/**
 * parseAgentConfig with loadYaml's fast path and without it: the same result,
 * errors (with their lines), warnings and config alike, on every YAML text of
 * the repository and on agent configs with random edits.
 */
import { fuzzDocument, prng, repositoryYaml } from "../../../test/yaml-corpus";
import { parseAgentConfig, type ParseResult } from "./parse";

let mockFast = true;
let mockAnswered = 0;
jest.mock("../../common/config-kit/yaml-fast", () => {
  const actual: typeof import("../../common/config-kit/yaml-fast") = jest.requireActual("../../common/config-kit/yaml-fast");
  return {
    fastYaml: (...args: Parameters<typeof actual.fastYaml>): unknown => {
      if (!mockFast) return undefined;
      const value = actual.fastYaml(...args);
      if (value !== undefined) mockAnswered++;
      return value;
    },
  };
});

const ctx = { file: ".gitlab/agents/a/config.yaml", configProjectId: "group/agent-config" };

/** The result with the fast path, without it, and whether the fast path answered. */
function both(text: string): [ParseResult, ParseResult, boolean] {
  mockFast = true;
  const before = mockAnswered;
  const fast = parseAgentConfig(text, ctx);
  const answered = mockAnswered > before;
  mockFast = false;
  const lib = parseAgentConfig(text, ctx);
  mockFast = true;
  return [fast, lib, answered];
}

const BASE = `gitops:
  manifest_projects:
  - id: group/project
    ref:
      branch: main
    default_namespace: dude
    paths:
    - glob: '/manifests/**/*.yaml'
    reconcile_timeout: 3600s
    dry_run_strategy: none
    prune: true
    prune_timeout: 360s
    prune_propagation_policy: foreground
    inventory_policy: must_match
    resource_exclusions:
    - api_groups:
      - apps
      kinds:
      - Deployment
  scope:
    mode: namespaced
    namespaces:
    - dude
  reapply_interval: 1h
observability:
  logging:
    level: debug
    grpc_level: warn
ci_access:
  projects:
  - id: group/app
    default_namespace: x
    access_as:
      impersonate:
        username: alice
        groups:
        - devs
  groups:
  - id: group
    environments:
    - production
user_access:
  access_as:
    agent: {}
  projects:
  - id: group/app
container_scanning:
  cadence: '0 0 * * *'
`;
const VALUES = ["yes", "no", "0755", "~", "", "12:30", "1e3", "-1", "0x1F", "'x'", "\"\"", "[]", "{}", "true", "namespaced", "cluster", "Dude", "a/b", "main", "10s", "-5s", "..", "/a/../b", "'a\\b'"];

/** BASE with `edits` random line edits: a value swapped, a key misspelt, a line duplicated or dropped. */
function mutated(rand: () => number, edits: number): string {
  const lines = BASE.trimEnd().split("\n");
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(rand() * lines.length);
    const line = lines[i] as string;
    const r = rand();
    const m = /^(\s*(?:- )?)([\w]+):(.*)$/.exec(line);
    if (r < 0.5 && m) lines[i] = `${m[1]}${m[2]}: ${VALUES[Math.floor(rand() * VALUES.length)]}`;
    else if (r < 0.7 && m) lines[i] = `${m[1]}${(m[2] as string).slice(0, -1)}${rand() < 0.5 ? "s" : ""}:${m[3]}`;
    else if (r < 0.85) lines.splice(i, 0, line);
    else lines.splice(i, 1);
  }
  return lines.join("\n") + "\n";
}

describe("parseAgentConfig: the same with and without the YAML fast path", () => {
  test("every YAML text of the repository", () => {
    mockAnswered = 0;
    const texts = repositoryYaml().map(([, text]) => text);
    for (const text of texts) {
      const [fast, lib] = both(text);
      expect([text, fast]).toEqual([text, lib]);
    }
    expect(mockAnswered).toBeGreaterThan(100);
  });

  test("the full example config, valid", () => {
    const [fast, lib] = both(BASE);
    expect(fast.ok).toBe(true);
    expect(fast).toEqual(lib);
  });

  test.each([1, 2, 4])("4000 agent configs with %i random edits: errors and their lines alike", (edits) => {
    const rand = prng(5_000 + edits);
    mockAnswered = 0;
    let locatedErrors = 0;
    for (let i = 0; i < 4000; i++) {
      const text = i % 4 === 3 ? fuzzDocument(rand, 0) : mutated(rand, edits);
      const [fast, lib, answered] = both(text);
      expect([text, fast]).toEqual([text, lib]);
      if (answered && !fast.ok && /config\.yaml:\d+: /.test(fast.error)) locatedErrors++;
    }
    // The fast path answered many (a duplicated line is a duplicate key: the library's), and many of those had schema errors located by line.
    expect(mockAnswered).toBeGreaterThan(800);
    expect(locatedErrors).toBeGreaterThan(400);
  });
});
