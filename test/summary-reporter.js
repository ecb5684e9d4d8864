// Ends the test run with the plain closing line CI reads: "jest: N passed, N failed, N skipped".
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped\n`;
    // Jest's own summary goes to stderr; the line follows it there, and stands on stdout for readers of stdout alone.
    process.stderr.write(line);
    process.stdout.write(line);
  }
}
module.exports = SummaryReporter;
