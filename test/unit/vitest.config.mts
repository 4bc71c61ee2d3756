import { defineConfig } from 'vitest/config'

// The unit tests need neither containerd nor the end-to-end global setup,
// so they run on their own: `npx vitest run --config test/unit/vitest.config.mts`
// from the repository root.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 10_000,
  },
})
