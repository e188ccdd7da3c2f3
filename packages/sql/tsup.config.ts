import { packageConfig } from '../../tsup.base';

export default packageConfig({
  entry: ['src/index.ts', 'src/internal.ts', 'src/testing.ts'],
  // Shared code goes into chunks instead of a copy per entry: a store built on `./internal` and the
  // store of the main entry then share one TableSql, and `./testing` one copy of everything.
  splitting: true,
  // vitest and the conformance suite are optional peers, needed by `./testing` only.
  external: ['vitest', '@sessionkit/store-test-suite'],
});
