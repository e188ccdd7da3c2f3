import { defineConfig } from 'vitest/config';
import { projects } from './vitest.workspace';

// scripts/test-summary.mjs comes first: it prints every skip's reason, grouped, before the
// default reporter's closing summary (which counts them), and in CI records the notes for the
// CI summary beside vitest's JSON report.
const summary = './scripts/test-summary.mjs';

export default defineConfig({
  test: {
    projects,
    // Starts the private database servers once per run (see the file); stops them at the end.
    globalSetup: ['./vitest.global-setup.ts'],
    reporters: process.env.CI
      ? [summary, 'default', ['json', { outputFile: '.tmp/vitest-report.json' }]]
      : [summary, 'default'],
  },
});
