import { EXIT, UsageError } from '../io';
import { requireCapability, storeCommand } from './store-command';

export const revokeCommand = storeCommand({
  name: 'revoke',
  summary: 'end every session of a user (log out everywhere)',
  usage: 'revoke --owner ID [--store URL]',
  description: 'Deletes every session bound to the owner (session.setOwner) and prints how many.',
  options: { owner: { type: 'string', short: 'o' } },
  optionHelp: '  -o, --owner ID    the owner (user) whose sessions to end',
  async run({ store, values, report }) {
    const owner = values.owner;
    if (typeof owner !== 'string' || owner === '') throw new UsageError('revoke needs --owner ID.', 'revoke');
    requireCapability(store, 'destroyByOwner');
    const revoked = await store.destroyByOwner!(owner);
    report({ owner, revoked }, () => `revoked ${revoked} session(s) of ${JSON.stringify(owner)}\n`);
    return EXIT.ok;
  },
});
