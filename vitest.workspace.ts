import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProjectInlineConfiguration } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Tests import workspace packages from their sources, so `vitest run` never depends on a stale
 * build. Child processes spawned by tests use tsx for the same reason.
 */
const alias = [
  // Subpath entries (`@sessionkit/core/edge`, `@sessionkit/next/pages`) live in src/<name>.ts.
  { find: /^@sessionkit\/([a-z-]+)\/([a-z-]+)$/, replacement: `${root}packages/$1/src/$2.ts` },
  ...readdirSync(`${root}packages`)
    .filter((dir) => existsSync(`${root}packages/${dir}/src/index.ts`))
    .map((dir) => ({
      find: new RegExp(`^@sessionkit/${dir}$`),
      replacement: `${root}packages/${dir}/src/index.ts`,
    })),
];

function project(dir: string): TestProjectInlineConfiguration {
  return {
    resolve: { alias },
    test: {
      name: dir.replace(/^packages\//, ''),
      root: `${root}${dir}`,
      include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}

/**
 * One vitest project per package and example that has a test/ or src/ folder, plus the
 * reliability harness (a top-level folder beside bench/, project name 'reliability'), the
 * benchmark's statistics (bench/test) and docs.
 */
export const projects: TestProjectInlineConfiguration[] = ['packages', 'examples']
  .flatMap((group) =>
    existsSync(`${root}${group}`) ? readdirSync(`${root}${group}`).map((name) => `${group}/${name}`) : [],
  )
  .concat(['reliability'])
  // bench/test checks the benchmark's statistics (never a timing).
  .concat(['bench'])
  // docs/test type-checks the snippets of every README and docs page.
  .concat(existsSync(`${root}docs/test`) ? ['docs'] : [])
  .filter((dir) => existsSync(`${root}${dir}/test`) || existsSync(`${root}${dir}/src`))
  .map(project);

export default projects;
