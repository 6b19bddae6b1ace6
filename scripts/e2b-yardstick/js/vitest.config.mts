// Runs E2B's JS SDK tests against SoulBox: `src/` is an import shim over the soulbox package;
// E2B's own source is never present, so tests of its HTTP client internals fail to import.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/runtimes/**'],
    isolate: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    environment: 'node',
    fileParallelism: false,
    reporters: ['default', 'junit'],
    outputFile: { junit: 'junit.xml' },
  },
})
