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
