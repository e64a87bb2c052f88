/** FileRegistry on real temp files: rotation, revocation at the next call, invalid reloads, constant-time lookup, no token in logs. */
import * as crypto from "node:crypto";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../common";
import { FileRegistry, hashToken, InvalidRegistryFileError } from "./index";

// Count the constant-time comparisons the registry makes (the real function still does the work).
jest.mock("node:crypto", () => {
  const actual = jest.requireActual<typeof import("node:crypto")>("node:crypto");
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
const timingSafeEqual = crypto.timingSafeEqual as jest.MockedFunction<typeof crypto.timingSafeEqual>;

const TOKENS = {
  dudeOld: "glagent-dude-old-0123456789abcdef",
  dudeNew: "glagent-dude-new-fedcba9876543210",
  naww: "glagent-naww-aaaaaaaaaaaaaaaaaaaa",
};
const DUDE = { id: "1", name: "dude-agent", configProjectId: "dude/agent-config" };
const NAWW = { id: "2", name: "naww-agent", configProjectId: "naww/agent-config" };

const logLines: string[] = [];
const logger = createLogger({ level: "debug", write: (line) => void logLines.push(line) });

let dir: string;
let file: string;
const open: FileRegistry[] = [];

function registryYaml(opts: { dudeTokens: string; nawwShorthand?: boolean }): string {
  return [
    "agents:",
    "- id: 1",
    "  name: dude-agent",
    "  config_project: dude/agent-config",
    "  tokens:",
    opts.dudeTokens,
    "- id: 2",
    "  name: naww-agent",
    "  config_project: naww/agent-config",
    `  token_sha256: [${hashToken(TOKENS.naww)}]`,
    "",
  ].join("\n");
}
const tokenLine = (token: string, extra = ""): string => `  - {sha256: ${hashToken(token)}${extra}}`;

/** Replace the file the way editors and Kubernetes do: write aside, rename over. */
function replaceFile(content: string): void {
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
}

function openRegistry(): FileRegistry {
  const registry = new FileRegistry({ file, logger, pollIntervalMs: 50, debounceMs: 10 });
  open.push(registry);
  return registry;
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kas-registry-"));
  file = join(dir, "agents.yaml");
  writeFileSync(file, registryYaml({ dudeTokens: tokenLine(TOKENS.dudeOld) }));
});

afterEach(() => {
  for (const r of open.splice(0)) r.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("FileRegistry", () => {
  test("hashToken is the hex SHA-256 of the token", () => {
    expect(hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  test("knows its agents' tokens, and nothing else", async () => {
    const registry = openRegistry();
    await expect(registry.authenticate(TOKENS.dudeOld)).resolves.toEqual(DUDE);
    await expect(registry.authenticate(TOKENS.naww)).resolves.toEqual(NAWW);
    await expect(registry.authenticate(TOKENS.dudeNew)).resolves.toBeUndefined();
    await expect(registry.authenticate("")).resolves.toBeUndefined();
    await expect(registry.authenticate("glagent-with\nnewline")).resolves.toBeUndefined();
    await expect(registry.authenticate(hashToken(TOKENS.dudeOld))).resolves.toBeUndefined();
    expect(registry.agents).toEqual([DUDE, NAWW]);
  });

  test("rotation: two active tokens, then the old one removed is refused at the next call", async () => {
    const registry = openRegistry();
    replaceFile(registryYaml({ dudeTokens: `${tokenLine(TOKENS.dudeOld)}\n${tokenLine(TOKENS.dudeNew, ", name: rotated")}` }));
    await expect(registry.authenticate(TOKENS.dudeNew)).resolves.toEqual(DUDE);
    await expect(registry.authenticate(TOKENS.dudeOld)).resolves.toEqual(DUDE);
    replaceFile(registryYaml({ dudeTokens: tokenLine(TOKENS.dudeNew) }));
    await expect(registry.authenticate(TOKENS.dudeOld)).resolves.toBeUndefined();
    await expect(registry.authenticate(TOKENS.dudeNew)).resolves.toEqual(DUDE);
  });

  test("revocation is picked up at the next call after the file changes (edited in place)", async () => {
    const registry = openRegistry();
    await expect(registry.authenticate(TOKENS.dudeOld)).resolves.toEqual(DUDE);
    writeFileSync(file, registryYaml({ dudeTokens: tokenLine(TOKENS.dudeOld, ", revoked: true") }));
    await expect(registry.authenticate(TOKENS.dudeOld)).resolves.toBeUndefined();
    await expect(registry.authenticate(TOKENS.naww)).resolves.toEqual(NAWW);
  });

  test("a change is noticed without any call (watch / poll) and logged", async () => {
    openRegistry();
    const before = logLines.filter((l) => l.includes("Agent registry reloaded")).length;
    replaceFile(registryYaml({ dudeTokens: tokenLine(TOKENS.dudeNew) }));
    await eventually(() => logLines.filter((l) => l.includes("Agent registry reloaded")).length > before, "a reload");
  });

  test("an invalid file on reload keeps the last good registry and logs file and key once", async () => {
    const registry = openRegistry();
    const errorsBefore = logLines.filter((l) => l.includes('"level":"error"')).length;
    replaceFile(registryYaml({ dudeTokens: `  - {sha256: ${hashToken(TOKENS.dudeNew)}, revokd: true}` }));
    await expect(registry.authenticate(TOKENS.dudeOld)).resolves.toEqual(DUDE);
    await expect(registry.authenticate(TOKENS.dudeNew)).resolves.toBeUndefined();
    await new Promise((r) => setTimeout(r, 150)); // let the poll and the watcher look too
    const errors = logLines.filter((l) => l.includes('"level":"error"')).slice(errorsBefore);
    expect(errors).toHaveLength(1);
    const entry = JSON.parse(errors[0] ?? "{}") as Record<string, string>;
    expect(entry.msg).toBe("Agent registry file is invalid; keeping the last good registry");
    expect(entry.file).toBe(file);
    expect(entry.key).toBe("agents[0].tokens[0].revokd");
    expect(entry.error).toContain('did you mean "revoked"?');
    // Fixed: the next call uses the new file.
    replaceFile(registryYaml({ dudeTokens: tokenLine(TOKENS.dudeNew) }));
    await expect(registry.authenticate(TOKENS.dudeNew)).resolves.toEqual(DUDE);
  });

  test.each<[string, string]>([
    ["an empty file", ""],
    ["a file cut off after `agents:`", "agents:\n"],
    ["a file cut off mid-list (YAML parse error)", registryYaml({ dudeTokens: tokenLine(TOKENS.dudeOld) }).slice(0, -30)],
  ])("%s on reload keeps the last good registry and logs at error", async (_name, content) => {
    const registry = openRegistry();
    const errorsBefore = logLines.filter((l) => l.includes('"level":"error"')).length;
    // Written in place, as a writer that does not rename over leaves it mid-write.
    writeFileSync(file, content);
    await expect(registry.authenticate(TOKENS.dudeOld)).resolves.toEqual(DUDE);
    await expect(registry.authenticate(TOKENS.naww)).resolves.toEqual(NAWW);
    const errors = logLines.filter((l) => l.includes('"level":"error"')).slice(errorsBefore);
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0] ?? "{}")).toMatchObject({ msg: "Agent registry file is invalid; keeping the last good registry", file });
  });

  test("a reload in flight when the registry closes logs nothing (it logged ENOENT into the next test's log once its dir was removed)", async () => {
    const registry = openRegistry();
    replaceFile(registryYaml({ dudeTokens: tokenLine(TOKENS.dudeNew) }));
    const errorsBefore = logLines.filter((l) => l.includes('"level":"error"')).length;
    const inFlight = registry.refresh(); // stat() is now on its way
    registry.close();
    rmSync(dir, { recursive: true, force: true });
    await inFlight;
    expect(logLines.filter((l) => l.includes('"level":"error"')).slice(errorsBefore)).toEqual([]);
  });

  test("an empty file at start throws (there is no last good registry to keep)", () => {
    writeFileSync(file, "");
    expect(() => openRegistry()).toThrow(`${file}: found an empty file; expected a mapping with key agents`);
  });

  test("a removed file keeps the last good registry", async () => {
    const registry = openRegistry();
    rmSync(file);
    await expect(registry.authenticate(TOKENS.dudeOld)).resolves.toEqual(DUDE);
    expect(logLines.some((l) => l.includes("cannot be read") && l.includes("ENOENT"))).toBe(true);
  });

  test("an invalid file at start throws with file, key and expectation", () => {
    writeFileSync(file, "agents:\n- {id: 1, name: dude-agent, config_project: p, tokens: [{sha256: nope}]}\n");
    expect(() => openRegistry()).toThrow(InvalidRegistryFileError);
    expect(() => openRegistry()).toThrow(`${file}:2: agents[0].tokens[0].sha256: found a string of 4 characters; expected a SHA-256 hash`);
  });

  test("a missing file at start throws", () => {
    rmSync(file);
    expect(() => openRegistry()).toThrow(/ENOENT/);
  });

  test("every stored hash is compared with timingSafeEqual, with no early exit", async () => {
    const registry = openRegistry();
    replaceFile(registryYaml({ dudeTokens: `${tokenLine(TOKENS.dudeOld)}\n${tokenLine(TOKENS.dudeNew)}` }));
    await registry.refresh();
    timingSafeEqual.mockClear();
    // The first stored hash matches; the other two are still compared.
    await expect(registry.authenticate(TOKENS.dudeOld)).resolves.toEqual(DUDE);
    expect(timingSafeEqual).toHaveBeenCalledTimes(3);
    timingSafeEqual.mockClear();
    await expect(registry.authenticate("glagent-unknown")).resolves.toBeUndefined();
    expect(timingSafeEqual).toHaveBeenCalledTimes(3);
  });
});

afterAll(() => {
  const all = logLines.join("");
  expect(all.length).toBeGreaterThan(0);
  for (const token of Object.values(TOKENS)) {
    expect(all).not.toContain(token);
    expect(all).not.toContain(hashToken(token));
  }
});
