import { EXIT } from '../io';
import { requireCapability, storeCommand } from './store-command';

export const statsCommand = storeCommand({
  name: 'stats',
  summary: 'count live sessions, expired ones not yet pruned, and sessions by owner',
  usage: 'stats [--store URL] [--json]',
  description:
    'Counts, in one walk of the store: live sessions, expired sessions the backend still holds\n' +
    '(waiting for a prune; "n/a" for a store that expires them by itself), live sessions with an\n' +
    'owner, and distinct owners. It reads every record: run it as an operator, not per request.',
  async run({ store, report }) {
    requireCapability(store, 'tally');
    const tally = await store.tally!();
    report(tally, () =>
      [
        `live      ${tally.live}`,
        `expired   ${tally.expired === null ? 'n/a (the backend expires sessions by itself)' : `${tally.expired} (not yet pruned)`}`,
        `owned     ${tally.owned} (live sessions bound to a user)`,
        `owners    ${tally.owners} (distinct users with a live session)`,
        '',
      ].join('\n'),
    );
    return EXIT.ok;
  },
});
