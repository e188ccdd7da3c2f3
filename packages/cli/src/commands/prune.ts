import { EXIT } from '../io';
import { storeCommand } from './store-command';

export const pruneCommand = storeCommand({
  name: 'prune',
  summary: 'delete expired sessions now (stores without native expiry)',
  usage: 'prune [--store URL]',
  description:
    'Deletes expired sessions now and prints how many. Stores that expire sessions by themselves\n' +
    '(Redis, MongoDB) have nothing to prune; the command says so and succeeds.',
  async run({ store, io }) {
    if (!store.capabilities.prune) {
      io.stdout(`nothing to prune: ${store.description} expires sessions by itself\n`);
      return EXIT.ok;
    }
    io.stdout(`pruned ${await store.prune!()} expired session(s)\n`);
    return EXIT.ok;
  },
});
