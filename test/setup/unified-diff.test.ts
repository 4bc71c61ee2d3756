import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { applyEdits, type TextEdit } from '../../src/setup/text-edits.js'
import { formatUnifiedDiff } from '../../src/setup/unified-diff.js'

const work = mkdtempSync(path.join(tmpdir(), 'rnerdctl-diff-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const longFile = Array.from({ length: 30 }, (_, index) => `line ${index + 1}\n`).join('')

const cases: { name: string; text: string; edits: TextEdit[] }[] = [
  { name: 'insertion at a line start', text: 'a\nb\nc\n', edits: [{ offset: 2, length: 0, insert: 'x\ny\n' }] },
  { name: 'insertion at the end', text: 'a\nb\n', edits: [{ offset: 4, length: 0, insert: '\nx\n' }] },
  { name: 'end without final newline', text: 'a\nb', edits: [{ offset: 3, length: 0, insert: '\n\nx\n' }] },
  { name: 'replacement inside a line', text: 'a = "old"\nb = 1\n', edits: [{ offset: 4, length: 5, insert: '"new"' }] },
  { name: 'insertion at the start', text: 'a\nb\n', edits: [{ offset: 0, length: 0, insert: 'x\n' }] },
  { name: 'into an empty file', text: '', edits: [{ offset: 0, length: 0, insert: 'x\ny\n' }] },
  {
    name: 'two hunks far apart',
    text: longFile,
    edits: [
      { offset: longFile.indexOf('line 3\n'), length: 0, insert: 'new A\n' },
      { offset: longFile.indexOf('line 25\n'), length: 0, insert: 'new B\n' },
    ],
  },
  {
    name: 'two edits in one hunk',
    text: longFile,
    edits: [
      { offset: longFile.indexOf('line 3\n'), length: 0, insert: 'new A\n' },
      { offset: longFile.indexOf('line 7\n'), length: 0, insert: 'new B\n' },
    ],
  },
  { name: 'crlf lines', text: 'a\r\nb\r\n', edits: [{ offset: 3, length: 0, insert: 'x\r\n' }] },
  { name: 'two insertions at the end', text: 'a', edits: [{ offset: 1, length: 0, insert: '\n\nx\n' }, { offset: 1, length: 0, insert: '\ny\n' }] },
]

// diff -u puts timestamps in its --- and +++ lines.
function withoutHeaders(diff: string): string {
  return diff.split('\n').slice(2).join('\n')
}

describe('formatUnifiedDiff', () => {
  it.each(cases)('patch applies it: $name', ({ name, text, edits }) => {
    const file = path.join(work, name.replace(/\W+/g, '-'))
    writeFileSync(file, text)
    const diff = formatUnifiedDiff(text, edits, { old: file, new: file })

    execFileSync('patch', ['--quiet', '--force', file], { input: diff })

    expect(readFileSync(file, 'utf8')).toBe(applyEdits(text, edits))
  })

  it.each(cases.filter((item) => item.name !== 'into an empty file'))('hunks match diff -u: $name', ({ name, text, edits }) => {
    const before = path.join(work, `${name.replace(/\W+/g, '-')}.before`)
    const after = path.join(work, `${name.replace(/\W+/g, '-')}.after`)
    writeFileSync(before, text)
    writeFileSync(after, applyEdits(text, edits))
    const reference = spawnSync('diff', ['-u', before, after], { encoding: 'utf8' }).stdout
    const ours = formatUnifiedDiff(text, edits, { old: before, new: after })

    expect(withoutHeaders(ours)).toBe(withoutHeaders(reference))
  })

  it('names a missing file /dev/null', () => {
    const diff = formatUnifiedDiff('', [{ offset: 0, length: 0, insert: 'x\n' }], { old: null, new: '/c/config.toml' })

    expect(diff).toBe('--- /dev/null\n+++ /c/config.toml\n@@ -0,0 +1 @@\n+x\n')
  })

  it('shows three lines of context', () => {
    const text = 'a\nb\nc\nd\ne\nf\ng\nh\n'
    const diff = formatUnifiedDiff(text, [{ offset: 8, length: 0, insert: 'x\n' }], { old: 'o', new: 'n' })

    expect(diff).toBe('--- o\n+++ n\n@@ -2,6 +2,7 @@\n b\n c\n d\n+x\n e\n f\n g\n')
  })
})
