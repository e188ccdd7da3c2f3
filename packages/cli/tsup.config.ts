import { packageConfig } from '../../tsup.base';

// Two entries: the programmatic API (dual ESM/CJS, like every package) and the `sessionkit` bin,
// which tsup emits with its shebang and as executable.
export default packageConfig({ entry: ['src/index.ts', 'src/cli.ts'] });
