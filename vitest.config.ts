import { defineConfig } from 'vitest/config';

// Two projects split by cost: unit tests need nothing running; integration tests need the
// local stack (scripts/test.ts brings it up and passes its addresses through the environment).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['api/**/*.test.ts', 'services/**/*.test.ts', 'scripts/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/support/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['api/**/*.int.test.ts', 'services/**/*.int.test.ts', 'test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One JVM-backed stack on two cores: files run one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
