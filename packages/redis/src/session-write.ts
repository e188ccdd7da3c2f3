/**
 * The write path of `set()`: which script runs with which keys, on a standalone or Sentinel
 * server (one key space: one script per write) and on a Cluster (one slot per script).
 */
import type { RedisArg, RedisCommands, RedisConnection } from './client';
import type { KeyLayout } from './key-layout';
import {
  INDEX_ADD_SCRIPT,
  REPLACE_INDEXED_SCRIPT,
  REPLACE_SCRIPT,
  runScript,
  SET_INDEXED_SCRIPT,
  SET_SCRIPT,
} from './scripts';

const NONE: readonly RedisArg[] = Object.freeze([]);

/** One checked `set()` call. */
export interface SessionWrite {
  storageKey: string;
  ownerId: string | null;
  /** The storage key of the session this insert replaces; never given on a Cluster. */
  replaces: string | undefined;
  expiresAt: number;
  now: number;
  /** The ARGV of SET_SCRIPT. */
  args: RedisArg[];
  /** Session-list details; when present, the last argument of whichever script runs. */
  details: string | null;
}

/** Adds the session to its owner's index. On a Cluster, always BEFORE the session write: see writeSession. */
export function indexSession(
  client: RedisCommands,
  keys: KeyLayout,
  ownerId: string,
  storageKey: string,
  expiresAt: number,
  now: number,
): Promise<unknown> {
  return runScript(client, INDEX_ADD_SCRIPT, [keys.owner(ownerId)], [storageKey, expiresAt, now]);
}

/** Writes the session (and replaces another, when asked); resolves false on a conflict. */
export async function writeSession(
  connection: RedisConnection,
  keys: KeyLayout,
  write: SessionWrite,
): Promise<boolean> {
  const client = connection.commands;
  const { storageKey, ownerId, replaces, details } = write;
  // Details go last (SET_BODY reads ARGV[#ARGV]), after the arguments each script adds; a write
  // without them allocates nothing for it.
  const last: readonly RedisArg[] = details === null ? NONE : [details];
  const args = write.args;
  const session = keys.session(storageKey);
  if (replaces !== undefined) {
    // The insert, its index entry, the old session's deletion and (when the old session had no
    // owner or the same one) the removal of its index entry: one script, one round trip.
    const replaced = keys.session(replaces);
    const written =
      ownerId === null
        ? await runScript(client, REPLACE_SCRIPT, [session, replaced], [...args, replaces, ...last])
        : await runScript(
            client,
            REPLACE_INDEXED_SCRIPT,
            [session, keys.owner(ownerId), replaced],
            [...args, storageKey, replaces, ...last],
          );
    if (typeof written === 'string') {
      // The old session belonged to another user, whose index the script was not given. Best
      // effort: the login has happened, and failing it now would leave the user with neither
      // session; an entry left behind is skipped by readers and drops out once its score passes.
      await client.zrem(keys.owner(written), replaces).catch(() => undefined);
      return true;
    }
    return written === 1;
  }
  if (ownerId === null) return (await runScript(client, SET_SCRIPT, [session], args)) === 1;
  const withDetails = last.length === 0 ? args : [...args, ...last];
  if (!connection.isCluster) {
    // One key space: the session and its index entry in one script, one round trip.
    const sessionAndOwner = [session, keys.owner(ownerId)];
    return (
      (await runScript(client, SET_INDEXED_SCRIPT, sessionAndOwner, [...args, storageKey, ...last])) === 1
    );
  }
  // A Cluster puts the owner index and the session in different slots, so no single script can
  // update both. The index is written first: if the session write then fails or conflicts, the
  // index holds an extra entry, which readers verify against the session and ignore. The other
  // order could leave a live session that destroyByOwner() ("log me out everywhere") cannot find.
  await indexSession(client, keys, ownerId, storageKey, write.expiresAt, write.now);
  return (await runScript(client, SET_SCRIPT, [session], withDetails)) === 1;
}
