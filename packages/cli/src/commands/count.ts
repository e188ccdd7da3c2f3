import { EXIT } from '../io';
import { requireCapability, storeCommand } from './store-command';

export const countCommand = storeCommand({
  name: 'count',
  summary: 'print how many live sessions the store holds',
  usage: 'count [--store URL]',
  description: 'Prints the number of live (unexpired) sessions in the store.',
  async run({ store, report }) {
    requireCapability(store, 'count');
    const live = await store.count!();
    report({ live }, () => `${live}\n`);
    return EXIT.ok;
  },
});
