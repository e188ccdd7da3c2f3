/**
 * The long reliability suite (`pnpm test:reliability`): the 10-minute soak per store, long fault
 * runs, the full-size many-nodes runs and 100,000 cases of every hostile-input property. Files
 * run one after another: they measure time, memory and recovery, and must not compete.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { projects } from '../vitest.workspace';

const reliability = projects.find((project) => project.test?.name === 'reliability');

export default defineConfig({
  resolve: reliability?.resolve ?? {},
  test: {
    name: 'reliability-long',
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['long/**/*.long.ts'],
    fileParallelism: false,
    testTimeout: 45 * 60_000,
    hookTimeout: 5 * 60_000,
    // The shared backends come from the same place as in `npm test`: URL, container, or private
    // servers started once for the run (the fault runs start durable servers of their own).
    globalSetup: [fileURLToPath(new URL('../vitest.global-setup.ts', import.meta.url))],
    reporters: [fileURLToPath(new URL('../scripts/test-summary.mjs', import.meta.url)), 'default'],
  },
});
