/** Reading a repository's git objects directly (packs and loose objects), for kas's Git source. */
export { ObjectStore, type ObjectStoreOptions } from "./store";
export { CorruptObjectError, objectId, type GitObject, type ObjectType } from "./object";
export { parseTree, Tree, type TreeEntry } from "./tree";
