/**
 * The image's layout, as the Dockerfile builds it: the runtime package at
 * IMAGE_APP_DIR (its package.json, dist/ and node_modules/) and this
 * entrypoint. The Deployments give only `args` (`kas ...`, `agentk ...`), so
 * what runs in a pod is IMAGE_ENTRYPOINT followed by them; tests that run a
 * Deployment's container as a process start exactly that.
 * runtime/common/deploy/image.test.ts checks the Dockerfile against these.
 */
export const IMAGE_APP_DIR = "/app";
export const IMAGE_ENTRYPOINT: readonly string[] = ["node", `${IMAGE_APP_DIR}/dist/cli.js`];
