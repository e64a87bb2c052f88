// Builds (or finds in the cache) the test cluster binary and the real Pulumi
// engine (pulumi CLI + Kubernetes provider), and fetches the image's Node.js LTS,
// before any test runs, so `npm test` works on a fresh machine. A failed build
// fails the run with the build's own errors; tests never skip for want of a
// cluster, an engine or a Node.js.
const { execFileSync } = require("node:child_process");
const path = require("node:path");

module.exports = async function globalSetup() {
  for (const script of [
    path.join(__dirname, "..", "cluster", "build.sh"),
    path.join(__dirname, "..", "pulumi-engine", "build.sh"),
    path.join(__dirname, "..", "node-lts", "fetch.sh"),
  ]) {
    execFileSync("bash", [script], { stdio: ["ignore", "ignore", "inherit"] });
  }
};
