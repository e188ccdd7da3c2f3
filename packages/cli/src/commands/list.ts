import { toSessionListEntry } from '@sessionkit/core';
import { EXIT, UsageError } from '../io';
import { requireCapability, storeCommand } from './store-command';

const when = (at: number | null) => (at === null ? '-' : new Date(at).toISOString());

export const listCommand = storeCommand({
  name: 'list',
  summary: "list a user's live sessions (their devices)",
  usage: 'list --owner ID [--store URL] [--json]',
  description:
    'Lists the live sessions bound to the owner (session.setOwner): per session its storage key,\n' +
    'created-at, last-active, expires-at and the metadata recorded at login (setOwner(id, meta)),\n' +
    'most recently active first. End one with the app (manager.revokeSession) or all with `revoke`.\n' +
    'Keys are SHA-256 digests of the session IDs unless the app sets hashIds: false.',
  options: { owner: { type: 'string', short: 'o' } },
  optionHelp: '  -o, --owner ID    the owner (user) whose sessions to list',
  async run({ store, values, report }) {
    const owner = values.owner;
    if (typeof owner !== 'string' || owner === '') throw new UsageError('list needs --owner ID.', 'list');
    requireCapability(store, 'listByOwner');
    const entries = (await store.listByOwner!(owner)).map(toSessionListEntry);
    const recency = (at: number | null, fallback: number | null) => at ?? fallback ?? 0;
    entries.sort(
      (a, b) =>
        recency(b.lastActiveAt, b.createdAt) - recency(a.lastActiveAt, a.createdAt) ||
        b.expiresAt - a.expiresAt,
    );
    report({ owner, sessions: entries }, () => {
      if (entries.length === 0) return `no live session of ${JSON.stringify(owner)}\n`;
      const lines = entries.map(
        (entry) =>
          `${entry.key}  created ${when(entry.createdAt)}  last active ${when(entry.lastActiveAt)}  ` +
          `expires ${when(entry.expiresAt)}${entry.meta === null ? '' : `  ${JSON.stringify(entry.meta)}`}`,
      );
      return `${entries.length} live session(s) of ${JSON.stringify(owner)}:\n${lines.join('\n')}\n`;
    });
    return EXIT.ok;
  },
});
