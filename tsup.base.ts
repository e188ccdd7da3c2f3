import { defineConfig, type Options } from 'tsup';

/**
 * The one build configuration every published package uses: ESM + CJS with bundled
 * declarations (`.d.ts` / `.d.cts`), so the exports map can point types at the right flavour.
 */
export function packageConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    treeshake: true,
    splitting: false,
    ...overrides,
  });
}
