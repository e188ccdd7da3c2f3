import { join } from 'node:path';
import { runStoreConformance } from '@sessionkit/store-test-suite';
import { createFileStore } from '../src/index';
import { rawReader, rawWriter, tempDir } from './helpers';

runStoreConformance({
  name: 'file',
  setup: async () => {
    const { dir, remove } = await tempDir();
    const root = join(dir, 'store');
    return {
      store: createFileStore({ directory: root }),
      raw: rawReader(root, 2),
      rawWriter: rawWriter(root, 2),
      teardown: remove,
    };
  },
});
