// `node --import ./scripts/from-source.mjs app.mjs` runs a workspace script against the packages'
// TypeScript sources instead of their builds: tsx compiles them on the fly, and the root
// tsconfig's `paths` map every `@sessionkit/*` import to `packages/*/src`. The demo uses it so a
// fresh clone needs no build (the build of 17 packages took about 4 minutes of a first run).
// Processes the script forks get the same hook through SESSIONKIT_FROM_SOURCE (see
// examples/cluster/demo.mjs).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
process.env.SESSIONKIT_FROM_SOURCE = import.meta.url;
register({ tsconfig });
