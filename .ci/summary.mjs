// Prints the closing lines of a CI run from vitest's JSON report: the
// end-to-end count (they must run, not skip, under CI) and a plain
// "N passed, N failed, N skipped" line. Exits 1 when a test failed, or
// when CI is set and an end-to-end test was skipped.
import { readFileSync } from 'node:fs'

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const tests = report.testResults.flatMap((file) =>
  file.assertionResults.map((test) => ({ e2e: file.name.includes('/test/e2e/'), status: test.status })),
)

const count = (list, status) => list.filter((test) => test.status === status).length
const e2e = tests.filter((test) => test.e2e)
const skippedStates = ['skipped', 'pending', 'todo']
const e2eSkipped = e2e.filter((test) => skippedStates.includes(test.status)).length
const skipped = tests.filter((test) => skippedStates.includes(test.status)).length

console.log(`end-to-end tests on the real rootless containerd: ${count(e2e, 'passed')} passed, ${count(e2e, 'failed')} failed, ${e2eSkipped} skipped`)
console.log(`${count(tests, 'passed')} passed, ${count(tests, 'failed')} failed, ${skipped} skipped`)

const failed = count(tests, 'failed') > 0 || report.success === false
process.exitCode = failed || (process.env.CI && (e2eSkipped > 0 || e2e.length === 0)) ? 1 : 0
