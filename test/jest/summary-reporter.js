// Ends the run with the plain line CI reads: "N passed, N failed".
// A suite that could not run (syntax error, failed beforeAll outside a test) counts as failed.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
