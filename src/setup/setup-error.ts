// A reason for `rnerdctl setup` to stop: a one-line message naming the
// value and the fix. run-setup.ts prints it and exits 1.
export class SetupError extends Error {
  override name = 'SetupError'
}
