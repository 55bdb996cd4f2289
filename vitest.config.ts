import { defineConfig } from 'vitest/config';
import { TESTCONTAINERS_ENV } from './tools/lib/testcontainers-env.ts';

// Three tiers, one vitest project each. Allure results for every tier land in reports/out/allure-results.
// unit: fakes behind the domain's ports, fake clock, no I/O beyond temp files. integration: a real Docker
// engine, real PostgreSQL, real k6. e2e: a real Kubernetes cluster (kind, built locally).
const allureResultsDir = process.env.ALLURE_RESULTS_DIR ?? 'reports/out/allure-results';

export default defineConfig({
  test: {
    reporters: ['default', ['allure-vitest/reporter', { resultsDir: allureResultsDir }], './tools/test/closing-line.reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{suites,scenarios,clusters,reports,tools}/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/*.e2e.test.ts', '**/node_modules/**'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{suites,scenarios,clusters,reports,tools}/**/*.integration.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // Containers and k6 compete for 2 cores: one file at a time keeps timings honest.
          fileParallelism: false,
          env: { ...TESTCONTAINERS_ENV },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['{suites,scenarios,clusters,reports,tools}/**/*.e2e.test.ts'],
          testTimeout: 1_800_000,
          hookTimeout: 3_600_000,
          fileParallelism: false,
          env: { ...TESTCONTAINERS_ENV },
        },
      },
    ],
  },
});
