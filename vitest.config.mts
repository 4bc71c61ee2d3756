import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/e2e/global-setup.ts'],
    // End-to-end files share one test user, one containerd and /dev/fuse.
    fileParallelism: false,
  },
})
