/** Test helpers: real git repositories (git CLI) and a smart-HTTP server over `git http-backend`. */
export {
  git,
  makeRepo,
  commitFiles,
  setBranch,
  createTag,
  setDefaultBranch,
  revParse,
  tempDir,
  removeDir,
  type RepoFile,
  type RepoFiles,
  type MakeRepoOptions,
  type CommitOptions,
} from "./repo";
export { startGitHttpServer, runGitBackend, type GitHttpServer, type GitHttpServerOptions } from "./http-server";
export { writeLooseZeros, writePackedZeros, zerosBlobId, type PackedZeros } from "./bombs";
