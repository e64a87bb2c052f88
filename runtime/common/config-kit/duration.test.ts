import { closest, editDistance, formatPath, parseDuration } from "./index";

describe("parseDuration", () => {
  test.each<[string, number | undefined]>([
    ["3600s", 3600],
    ["1.5s", 1.5],
    [".5s", 0.5],
    ["1h30m", 5400],
    ["1h0m0s", 3600],
    ["500ms", 0.5],
    ["250us", 0.00025],
    ["250\u00b5s", 0.00025],
    ["10ns", 1e-8],
    ["0", 0],
    ["0s", 0],
    ["", undefined],
    ["3600", undefined],
    ["1x", undefined],
    ["-5s", undefined],
    ["+5s", undefined],
    ["5 s", undefined],
    ["1h 30m", undefined],
    ["s", undefined],
    ["1d", undefined],
  ])("%j -> %p", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
});

describe("suggestions", () => {
  test.each<[string, string, number]>([
    ["prune", "prune", 0],
    ["prnue", "prune", 1],
    ["prun", "prune", 1],
    ["gitopz", "gitops", 1],
    ["abc", "", 3],
  ])("editDistance(%j, %j) = %d", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  test("closest stays within 2 edits", () => {
    expect(closest("manifest_project", ["manifest_projects", "scope"])).toBe("manifest_projects");
    expect(closest("Prune", ["prune"])).toBe("prune");
    expect(closest("zzzzz", ["prune", "paths"])).toBeUndefined();
  });

  test("formatPath", () => {
    expect(formatPath(["gitops", "manifest_projects", 0, "prune_timeout"])).toBe("gitops.manifest_projects[0].prune_timeout");
    expect(formatPath(["a", "x.y", 2])).toBe(`a["x.y"][2]`);
    expect(formatPath([])).toBe("");
  });
});
