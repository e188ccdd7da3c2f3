/**
 * `verify()` of the MongoDB store: listIndexes answers (the server, the credentials, the
 * collection), the TTL index on `expiresAt` is there (without it nothing ever deletes an expired
 * session), a probe document is written, read back and deleted through the store's own commands,
 * and the server's clock, read as `$$NOW` in the projection of the probe's read, agrees with the
 * app's (the TTL monitor deletes by the server's clock).
 */
import { type SessionStore, Verification, type VerifyOptions, type VerifyReport } from '@sessionkit/core';
import type { MongoCollectionLike, MongoDocument } from './collection';
import { collModCommand, ttlAdvice, ttlState } from './indexes';
import { TTL_GRACE_SECONDS } from './statements';

/** What verify needs beyond the store's own commands; every driver `Collection` has it. */
interface IndexLister {
  listIndexes(): { toArray(): Promise<MongoDocument[]> };
}

/** What a driver error means for the report. */
export type MongoFailureKind = 'auth' | 'unauthorized' | 'missing-collection' | 'unreachable' | 'other';

/** Server error codes (MongoDB's error_codes.yml) and driver error names. */
export function classifyMongoError(error: unknown): MongoFailureKind {
  for (let current: unknown = error, depth = 0; current && depth < 8; depth++) {
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (code === 18) return 'auth'; // AuthenticationFailed
    if (code === 13) return 'unauthorized'; // Unauthorized: the user lacks the action
    if (code === 26) return 'missing-collection'; // NamespaceNotFound
    if (
      name === 'MongoServerSelectionError' ||
      name === 'MongoNetworkError' ||
      name === 'MongoNetworkTimeoutError'
    )
      return 'unreachable';
    current = (current as { cause?: unknown }).cause;
  }
  return 'other';
}

/** The command that creates the TTL index by hand, in mongosh. */
export function ttlIndexCommand(collection: string): string {
  return `db.getCollection(${JSON.stringify(collection)}).createIndex({ expiresAt: 1 }, { expireAfterSeconds: ${TTL_GRACE_SECONDS} })`;
}

/**
 * Why the listed indexes do not expire sessions as the store expects, or null when they do: a
 * TTL index on exactly `{ expiresAt: 1 }` with `expireAfterSeconds` TTL_GRACE_SECONDS (the field
 * holds the deadline itself; the grace keeps a server clock ahead of the app's from deleting a
 * live session). The same classification and wording as the store's first-use check.
 */
export function ttlIndexProblem(indexes: readonly MongoDocument[], collection = 'sessions'): string | null {
  return ttlAdvice(ttlState(indexes), collection);
}

/** The projection that reads the server's clock along with a document. */
export const SERVER_TIME_PROJECTION = Object.freeze({ _id: 1, skNow: '$$NOW' });

export async function verifyMongoStore(
  collection: MongoCollectionLike,
  store: Pick<SessionStore, 'set' | 'get' | 'destroy'>,
  options?: VerifyOptions,
): Promise<VerifyReport> {
  const name = collection.collectionName ?? 'sessions';
  const v = new Verification(`MongoDB store on ${name}`, options);
  const lister = collection as MongoCollectionLike & Partial<IndexLister>;
  if (typeof lister.listIndexes !== 'function') {
    v.skipped('reachable', 'the collection has no listIndexes() (not a driver Collection)');
  } else {
    const listed = await v.attempt(() => lister.listIndexes!().toArray());
    const kind = listed.ok
      ? null
      : v.isTimeout(listed.error)
        ? 'unreachable'
        : classifyMongoError(listed.error);
    if (kind === 'unreachable' || kind === 'other') {
      v.unreachable(
        (listed as { error: unknown }).error,
        'check the connection string, that mongod runs, and the network',
      );
    } else if (kind === 'auth') {
      v.ok('reachable', 'the server answered');
      v.problem(
        'credentials',
        'the server refused the credentials (AuthenticationFailed)',
        'check the user, password and authSource of the connection string',
      );
    } else {
      v.ok('reachable', 'the server answered');
      v.ok('credentials', 'the credentials were accepted');
      if (kind === 'missing-collection') {
        v.problem(
          'schema',
          `the collection ${name} does not exist`,
          `sessionkit schema mongodb --apply -s mongodb://…, or call store.ensureIndexes()`,
        );
      } else if (kind === 'unauthorized') {
        v.skipped('expiry', 'the user may not list indexes (listIndexes): the TTL index was not checked');
      } else {
        v.ok('schema', `the collection ${name} exists`);
        const state = ttlState((listed as { value: MongoDocument[] }).value);
        const problem = ttlAdvice(state, name);
        if (problem === null) {
          v.ok('expiry', `native: a TTL index on expiresAt (expireAfterSeconds ${TTL_GRACE_SECONDS})`);
        } else {
          const fix =
            state.kind === 'stale'
              ? `run ${collModCommand(name)}, or call store.ensureIndexes() with the Db`
              : `call store.ensureIndexes(), or run ${ttlIndexCommand(name)}`;
          v.problem('expiry', problem, fix);
        }
      }
    }
  }
  if (v.failed('reachable') || v.failed('credentials')) {
    for (const check of ['write', 'clock'] as const)
      v.skipped(check, 'not checked: the server could not be used');
    return v.finish();
  }
  const { clock } = v.options;
  let time: { server: number; sentAt: number; receivedAt: number } | null = null;
  // The probe's read also reads the server's clock: no command beyond the store's own.
  const probe: Pick<SessionStore, 'set' | 'get' | 'destroy'> = {
    set: (key, record) => store.set(key, record),
    get: async (key) => {
      const read = await store.get(key);
      const sentAt = clock();
      const doc = await collection.findOne({ _id: key }, { projection: SERVER_TIME_PROJECTION });
      const receivedAt = clock();
      const now = doc?.skNow;
      if (now instanceof Date) time = { server: now.getTime(), sentAt, receivedAt };
      return read;
    },
    destroy: (key) => store.destroy(key),
  };
  await v.writeProbe(probe, (error) =>
    classifyMongoError(error) === 'unauthorized'
      ? {
          message: `the user may not write to ${name} (Unauthorized)`,
          fix: 'give the user the readWrite role on the database (or insert, update, remove on the collection)',
        }
      : null,
  );
  const measured = time as { server: number; sentAt: number; receivedAt: number } | null;
  if (measured === null) {
    v.skipped('clock', 'the server time was not read (the probe did not get that far)');
  } else {
    v.clock(
      measured.server,
      measured.sentAt,
      measured.receivedAt,
      "the TTL monitor deletes by the server's clock, so sessions vanish that much earlier or later",
    );
  }
  return v.finish();
}
