import { compileGlob, compileGlobs, validateGlob } from "./glob";

describe("compileGlob", () => {
  test.each<[string, string, boolean]>([
    // plain and `*` / `?` within one segment
    ["app.yaml", "app.yaml", true],
    ["app.yaml", "dir/app.yaml", false],
    ["*.yaml", "app.yaml", true],
    ["*.yaml", "dir/app.yaml", false],
    ["*", "x", true],
    ["a?c.yaml", "abc.yaml", true],
    ["a?c.yaml", "a/c.yaml", false],
    ["a?c.yaml", "ac.yaml", false],
    ["*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false],
    // `**`: any number of segments, zero included
    ["**/*.yaml", "app.yaml", true],
    ["**/*.yaml", "a/b/c/app.yaml", true],
    ["**", "a/b/c", true],
    ["manifests/**", "manifests/a/b.yaml", true],
    ["manifests/**", "other/a.yaml", false],
    ["a/**/b/*.yaml", "a/b/x.yaml", true],
    ["a/**/b/*.yaml", "a/x/y/b/x.yaml", true],
    ["a/**/b/*.yaml", "a/x/y/c/x.yaml", false],
    ["a/**/**/b", "a/b", true],
    ["a**.yaml", "abc.yaml", true], // `**` inside a segment is `*`
    ["a**.yaml", "a/b.yaml", false],
    // a leading `/` is the repository root, not an escape
    ["/team1/app1/*.{yaml,yml,json}", "team1/app1/deploy.yml", true],
    ["/team1/app1/*.{yaml,yml,json}", "team1/app1/sub/deploy.yml", false],
    ["/team1/app1/*.{yaml,yml,json}", "x/team1/app1/deploy.yml", false],
    ["/*.yaml", "root.yaml", true],
    // braces: alternatives, nesting, `**` and `/` inside
    ["**/*.{yaml,yml,json}", "a/b.json", true],
    ["**/*.{yaml,yml,json}", "a/b.txt", false],
    ["{a,b/{c,d}}/*.yaml", "b/d/x.yaml", true],
    ["{a,b/{c,d}}/*.yaml", "b/e/x.yaml", false],
    ["{apps/**,base}/*.yaml", "apps/x/y/z.yaml", true],
    ["{apps/**,base}/*.yaml", "base/z.yaml", true],
    ["{apps/**,base}/*.yaml", "base/q/z.yaml", false],
    ["x{,.bak}", "x", true],
    ["x{,.bak}", "x.bak", true],
    // classes
    ["[abc].yaml", "b.yaml", true],
    ["[abc].yaml", "d.yaml", false],
    ["[a-c]x", "bx", true],
    ["[!a-c]x", "bx", false],
    ["[!a-c]x", "dx", true],
    ["[^a]x", "bx", true],
    ["{[ab],c}.yaml", "c.yaml", true],
    ["{[a,b],c}.yaml", ",.yaml", true],
    // dot-directories are skipped, dot-files at a visible level are not
    ["**/*.yaml", ".gitlab/agents/a/config.yaml", false],
    ["**", ".git/config", false],
    ["a/**/*.yaml", "a/.hidden/x.yaml", false],
    [".gitlab/**", ".gitlab/ci.yaml", false],
    ["*.yaml", ".hidden.yaml", true],
  ])("%s on %s -> %s", (glob, path, expected) => {
    expect(compileGlob(glob)(path)).toBe(expected);
  });
});

describe("mayMatchUnder", () => {
  test.each<[string, string[], string[]]>([
    ["manifests/*.yaml", ["", "manifests"], ["manifests/sub", "other"]],
    ["**/*.yaml", ["a/b/c"], [".gitlab", "a/.b"]],
    ["/team1/app1/*.yaml", ["team1", "team1/app1"], ["team2", "team1/app1/x"]],
    ["{a,b/**}/x", ["a", "b/c/d"], ["a/c"]],
  ])("%s may match under %j, not under %j", (glob, under, notUnder) => {
    const m = compileGlob(glob);
    expect(under.filter((d) => !m.mayMatchUnder(d))).toEqual([]);
    expect(notUnder.filter((d) => m.mayMatchUnder(d))).toEqual([]);
  });
});

describe("validateGlob", () => {
  test.each<[string, string | undefined]>([
    ["**/*.{yaml,yml,json}", undefined],
    ["/team1/app1/*.{yaml,yml,json}", undefined],
    ["a/[!b-d]*.yaml", undefined],
    ["a..b/*.yaml", undefined],
    ["", "glob is empty"],
    ["/", "glob is empty"],
    ["a".repeat(1025), "longer than 1024"],
    ["../x.yaml", '".." segment'],
    ["a/../../x.yaml", '".." segment'],
    ["/..", '".." segment'],
    ["a/{b,..}/x", '".." segment'],
    ["a/.{.,x}/y", '".." segment'],
    ["a\\*.yaml", "backslash"],
    ["a\0b", "NUL"],
    ["{a,b", 'unbalanced "{"'],
    ["a,b}", 'unbalanced "}"'],
    ["{a,{b}", 'unbalanced "{"'],
    ["[abc", 'unbalanced "["'],
    ["abc]", 'unbalanced "]"'],
    ["[]x", "empty character class"],
    ["[!]x", "empty character class"],
    ["[a/b]", '"/" inside a character class'],
    ["{a,b}".repeat(11), "more than 1024 alternatives"],
  ])("%j -> %s", (glob, expected) => {
    const error = validateGlob(glob);
    if (expected === undefined) expect(error).toBeUndefined();
    else expect(error).toContain(expected);
  });

  test("compileGlob throws the reason, naming the glob", () => {
    expect(() => compileGlob("../etc/*")).toThrow('invalid glob "../etc/*": glob has a ".." segment');
  });

  test("compileGlobs matches when any glob does", () => {
    const m = compileGlobs(["a/*.yaml", "b/**"]);
    expect([m("a/x.yaml"), m("b/c/d"), m("c/x.yaml")]).toEqual([true, true, false]);
  });
});
