// Prints the run's totals as one plain closing line ("N passed, N failed, N skipped"), which CI
// tooling that does not know Jest's own summary format can read.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    process.stderr.write(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped\n`);
  }
}
module.exports = SummaryReporter;
