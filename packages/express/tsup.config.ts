import { packageConfig } from '../../tsup.base';

// compat is its own entry so that only apps using it need express-session installed.
export default packageConfig({ entry: ['src/index.ts', 'src/compat.ts'] });
