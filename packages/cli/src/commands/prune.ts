import { EXIT } from '../io';
import { storeCommand } from './store-command';

export const pruneCommand = storeCommand({
  name: 'prune',
  summary: 'delete expired sessions now (stores without native expiry)',
  usage: 'prune [--store URL]',
  description:
    'Deletes expired sessions now and prints how many. Stores that expire sessions by themselves\n' +
    '(Redis, MongoDB) have nothing to prune; the command says so and succeeds.',
  async run({ store, report }) {
    if (!store.capabilities.prune) {
      report(
        { pruned: 0, nativeExpiry: true },
        () => `nothing to prune: ${store.description} expires sessions by itself\n`,
      );
      return EXIT.ok;
    }
    const pruned = await store.prune!();
    report({ pruned, nativeExpiry: false }, () => `pruned ${pruned} expired session(s)\n`);
    return EXIT.ok;
  },
});
