/**
 * Tree objects decoded the way isomorphic-git's readTree decodes them (pure):
 * modes normalized ("40000" -> "040000"), unknown modes and unsafe names
 * refused with isomorphic-git's own errors, entries sorted by name.
 */
import git from "isomorphic-git";

export interface TreeEntry {
  readonly mode: string;
  readonly path: string;
  readonly oid: string;
  readonly type: "blob" | "tree" | "commit";
}

const TYPE_OF_MODE: Readonly<Record<string, TreeEntry["type"]>> = {
  "040000": "tree",
  "100644": "blob",
  "100755": "blob",
  "120000": "blob",
  "160000": "commit",
};

/** Zero-width and directional characters HFS+ ignores in names. */
const HFS_IGNORED = /[\u200C-\u200F\u202A-\u202E\u206A-\u206F\uFEFF]/g;

/** Names git refuses in a tree (verify_path): separators, ".", "..", and ".git" as NTFS or HFS+ would read it. */
export function isUnsafeName(name: string): boolean {
  const hfs = name.replace(HFS_IGNORED, "");
  const ntfs = (hfs.split(":")[0] ?? "").toLowerCase().replace(/[. ]+$/, "");
  return name.includes("\\") || name.includes("/") || hfs === "." || hfs === ".." || ntfs === ".git" || /^\.?git~[1-9]$/.test(ntfs);
}

export function parseTree(data: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const nul = data.indexOf(0, at);
    if (space === -1 || nul === -1) {
      const missing = space === -1 ? "space" : "null";
      throw new git.Errors.InternalError(`GitTree: Error parsing buffer at byte location ${at}: Could not find the next ${missing} character.`);
    }
    let mode = data.toString("utf8", at, space);
    if (mode === "40000") mode = "040000";
    const type = TYPE_OF_MODE[mode];
    if (type === undefined) throw new git.Errors.InternalError(`Unexpected GitTree entry mode: ${mode}`);
    const path = data.toString("utf8", space + 1, nul);
    if (isUnsafeName(path)) throw new git.Errors.UnsafeFilepathError(path);
    entries.push({ mode, path, oid: data.toString("hex", nul + 1, nul + 21), type });
    at = nul + 21;
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Trees with more entries than this are looked up through a name index (built on first lookup). */
const INDEX_FROM = 16;

/** A tree's entries, looked up by name without a scan of every entry in large trees. */
export class Tree {
  private byName: Map<string, TreeEntry> | undefined;

  constructor(readonly entries: readonly TreeEntry[]) {}

  entry(name: string): TreeEntry | undefined {
    if (this.entries.length <= INDEX_FROM) return this.entries.find((e) => e.path === name);
    this.byName ??= new Map(this.entries.map((e) => [e.path, e]));
    return this.byName.get(name);
  }
}
