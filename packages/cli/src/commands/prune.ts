import { EXIT } from '../io';
import { storeCommand } from './store-command';

export const pruneCommand = storeCommand({
  name: 'prune',
  summary: 'delete expired sessions now (SQL, file; MongoDB before its TTL index does)',
  usage: 'prune [--store URL]',
  description:
    'Deletes expired sessions now and prints how many. Redis expires sessions by itself and has\n' +
    'nothing to prune; the command says so and succeeds. MongoDB deletes them through its TTL index\n' +
    'a few minutes after they expire; prune deletes them now (and is the only way without that index).',
  async run({ store, io }) {
    if (!store.capabilities.prune) {
      io.stdout(`nothing to prune: ${store.description} expires sessions by itself\n`);
      return EXIT.ok;
    }
    io.stdout(`pruned ${await store.prune!()} expired session(s)\n`);
    return EXIT.ok;
  },
});
