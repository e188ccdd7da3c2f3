import { EXIT, UsageError } from '../io';
import { requireCapability, storeCommand } from './store-command';

export const revokeCommand = storeCommand({
  name: 'revoke',
  summary: 'end every session of a user (log out everywhere)',
  usage: 'revoke --owner ID [--store URL]',
  description: 'Deletes every session bound to the owner (session.setOwner) and prints how many.',
  options: { owner: { type: 'string', short: 'o' } },
  optionHelp: '  -o, --owner ID    the owner (user) whose sessions to end',
  async run({ store, values, io }) {
    const owner = values.owner;
    if (typeof owner !== 'string' || owner === '') throw new UsageError('revoke needs --owner ID.', 'revoke');
    requireCapability(store, 'destroyByOwner');
    io.stdout(`revoked ${await store.destroyByOwner!(owner)} session(s) of ${JSON.stringify(owner)}\n`);
    return EXIT.ok;
  },
});
