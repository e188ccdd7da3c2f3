import { packageConfig } from '../../tsup.base';

export default packageConfig({
  entry: ['src/index.ts', 'src/edge.ts', 'src/descriptor.ts', 'src/opentelemetry.ts'],
});
