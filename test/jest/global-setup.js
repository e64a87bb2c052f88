// Builds (or finds in the cache) the test cluster binary, and fetches the image's
// Node.js LTS, before any test runs,
// so `npm test` works on a fresh machine. A failed build fails the run with the
// build's own errors; tests never skip for want of a cluster.
const { execFileSync } = require("node:child_process");
const path = require("node:path");

module.exports = async function globalSetup() {
  const script = path.join(__dirname, "..", "cluster", "build.sh");
  execFileSync("bash", [script], { stdio: ["ignore", "ignore", "inherit"] });
  // The image's Node.js LTS: the runtime package is tested on it too (test/image).
  execFileSync("bash", [path.join(__dirname, "..", "node-lts", "fetch.sh")], { stdio: ["ignore", "ignore", "inherit"] });
};
