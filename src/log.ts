// rnerdctl's own messages: one line each, on stderr, prefixed "rnerdctl:",
// so nerdctl's stdout stays exactly nerdctl's.
export function printLine(message: string): void {
  try {
    process.stderr.write(`rnerdctl: ${message.replace(/\n/g, ' ')}\n`)
  } catch {
    // A closed stderr must not stop nerdctl from running.
  }
}
