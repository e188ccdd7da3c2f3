import { packageConfig } from '../../tsup.base';

// vitest and core are peers: bundling either would give a store's tests a second copy of the
// runner (tests registered on the wrong instance) or of the error classes.
export default packageConfig({ external: ['vitest', '@sessionkit/core'] });
