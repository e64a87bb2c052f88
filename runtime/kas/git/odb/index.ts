/** Reading a repository's git objects directly (packs and loose objects), for kas's Git source. */
export { DEFAULT_MAX_OBJECT_BYTES, ObjectStore, type ObjectStoreOptions } from "./store";
export { CorruptObjectError, ObjectTooLargeError, objectId, type GitObject, type ObjectType } from "./object";
export { parseTree, Tree, type TreeEntry } from "./tree";
export { findOversizedObject, type OversizedObject } from "./pack-scan";
