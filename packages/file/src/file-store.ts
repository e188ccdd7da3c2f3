import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkSetArguments,
  NO_CAPABILITIES,
  type OwnedSession,
  SessionConflictError,
  SessionCorruptRecordError,
  type SessionStore,
  type SetOptions,
  type StoreCapabilities,
  type StoredRecord,
  type StoreTally,
  type StoreWith,
  storeError,
  type VerifyOptions,
  type VerifyReport,
} from '@sessionkit/core';
import { checkExpiresAt, checkKey, checkOwner, prepareRoot } from './checks';
import { encodeRecord } from './format';
import { mapLimit, readHeadFile, removeFile, walkFolders } from './fs-util';
import { HASH_NAME, hashName } from './layout';
import { dropMarkerIfStale, IO_CONCURRENCY, pruneRecords, sweepMarkers } from './maintenance';
import { type FileStoreOptions, type ResolvedOptions, resolveOptions } from './options';
import { RecordFiles } from './record-files';
import { verifyFileStore } from './verify';

/** The label of the store's error messages. */
const STORE = 'File store';

/** A {@link SessionStore} kept in a directory; every optional operation is implemented. */
export interface FileStore
  extends StoreWith<
    'destroyByOwner' | 'listByOwner' | 'destroyOwned' | 'count' | 'tally' | 'clear' | 'prune' | 'close'
  > {
  /** The absolute root directory. */
  readonly directory: string;
}

/**
 * Creates a session store kept in a directory: one file per session, in hashed shard folders.
 * Safe for several processes on one machine, or several machines sharing the directory over NFS:
 * writes are atomic renames, inserts and compare-and-set hold a per-session lock file.
 *
 * Construction validates the options and creates the directory (synchronously, once), so a typo
 * or a missing permission fails at startup rather than on the first request.
 *
 * @example
 * import { createSessionManager } from '@sessionkit/core';
 * import { createFileStore } from '@sessionkit/file';
 *
 * const store = createFileStore({ directory: '/var/lib/myapp/sessions' });
 * const sessions = createSessionManager({ store, secrets: [process.env.SESSION_SECRET!] });
 */
export function createFileStore(options: FileStoreOptions): FileStore {
  return new DirectoryStore(resolveOptions(options));
}

class DirectoryStore implements FileStore {
  readonly capabilities: StoreCapabilities = Object.freeze({
    ...NO_CAPABILITIES,
    destroyByOwner: true,
    listByOwner: true,
    count: true,
    clear: true,
    prune: true,
    replaceOnInsert: true,
    verify: true,
    ownerDetails: true,
    tally: true,
  });
  readonly directory: string;

  readonly #options: ResolvedOptions;
  readonly #files: RecordFiles;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pruning: Promise<unknown> | undefined;
  #closed = false;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.directory = options.directory;
    this.#files = new RecordFiles(options);
    prepareRoot(options.directory, options.dirMode);
    this.#schedulePrune();
  }

  async get(key: string): Promise<StoredRecord | null> {
    return this.#run('get', async () => {
      const name = hashName(checkKey(key));
      const found = await this.#files.read(name);
      if (found.state === 'corrupt') {
        await this.#discardCorrupt(name);
        // Reported like every store's corrupt record: core fires payloadError and starts afresh.
        throw new SessionCorruptRecordError(key, found.reason);
      }
      if (found.state === 'missing' || found.record.expiresAt <= Date.now()) return null;
      const { payload, version, expiresAt, ownerId, details } = found.record;
      const record: StoredRecord = { payload, version, expiresAt, ownerId };
      if (details !== null) record.details = details;
      return record;
    });
  }

  async set(key: string, record: StoredRecord, options?: SetOptions): Promise<void> {
    return this.#run('set', async () => {
      const {
        ownerId,
        expectedVersion: expected,
        replaces,
        details,
      } = checkSetArguments(STORE, key, record, options, this.capabilities);
      const name = hashName(key);
      const bytes = encodeRecord(key, { ...record, ownerId, details, activeAt: Date.now() });
      await this.#files.withLock(name, async (lock) => {
        const current = await this.#files.read(name);
        const live = current.state === 'ok' && current.record.expiresAt > Date.now() ? current.record : null;
        if (expected === undefined && live) {
          throw new SessionConflictError('A live session already exists under this key.');
        }
        if (expected !== undefined && live?.version !== expected) {
          throw new SessionConflictError(
            live
              ? `The session is at version ${live.version}, not the expected ${expected}.`
              : 'The session no longer exists (expired or destroyed).',
          );
        }
        // Marker first: a crash between the two leaves a stale marker (ignored by readers), never
        // a session that destroyByOwner cannot find. Skipped when the owner's marker already
        // stands (see markerStands).
        if (ownerId !== null && !this.#files.markerStands(current, ownerId)) {
          await this.#files.addMarker(ownerId, name);
        }
        const previousOwner = current.state === 'ok' ? current.record.ownerId : null;
        if (previousOwner === null || previousOwner === ownerId) {
          await this.#files.commit(lock, name, bytes);
          return;
        }
        // The owner changes: the old owner's marker goes after the record is written and still
        // under the lock (a write in between could be that owner's again), so this write does
        // not release the lock by committing it.
        await this.#files.write(name, bytes);
        await this.#files.removeMarker(previousOwner, name);
      });
      // Only once the insert is in; under the replaced record's own lock, as destroy() takes it
      // (taken after the new one's is released: two locks held at once could deadlock).
      if (replaces !== undefined) {
        const replaced = hashName(replaces);
        await this.#files.withLock(replaced, () => this.#files.remove(replaced));
      }
    });
  }

  async touch(key: string, expiresAt: number): Promise<boolean> {
    return this.#run('touch', async () => {
      const name = hashName(checkKey(key));
      checkExpiresAt(expiresAt, 'touch');
      // Under the lock: a touch that rewrote the file from a stale read would undo a concurrent set.
      return this.#files.withLock(name, async (lock) => {
        const current = await this.#files.read(name);
        if (current.state !== 'ok' || current.record.expiresAt <= Date.now()) return false;
        // A record with details also records when it was last active.
        const bytes = encodeRecord(current.record.key, {
          ...current.record,
          expiresAt,
          activeAt: Date.now(),
        });
        await this.#files.commit(lock, name, bytes);
        return true;
      });
    });
  }

  async destroy(key: string): Promise<boolean> {
    return this.#run('destroy', async () => {
      const name = hashName(checkKey(key));
      // Under the lock, so a compare-and-set that read the record before the delete cannot write
      // it back afterwards: a logged-out or regenerated session must stay gone.
      return this.#files.withLock(name, () => this.#files.remove(name));
    });
  }

  async destroyByOwner(ownerId: string): Promise<number> {
    return this.#run('destroyByOwner', async () => {
      const ownerHash = hashName(checkOwner(ownerId));
      const names = await this.#files.markerNames(ownerHash);
      const removed = await mapLimit(names, IO_CONCURRENCY, (name) =>
        this.#files.withLock(name, async () => {
          const current = await this.#files.read(name);
          // remove() deletes the owner's marker with the record.
          if (current.state === 'ok' && current.record.ownerId === ownerId) {
            return this.#files.remove(name, current);
          }
          await this.#files.removeMarker(ownerId, name);
          return false;
        }),
      );
      await rmdir(this.#files.layout.ownerDir(ownerHash)).catch(() => undefined);
      return removed.filter(Boolean).length;
    });
  }

  async listByOwner(ownerId: string): Promise<OwnedSession[]> {
    return this.#run('listByOwner', async () => {
      const ownerHash = hashName(checkOwner(ownerId));
      const names = await this.#files.markerNames(ownerHash);
      const found = await mapLimit(names, IO_CONCURRENCY, async (name): Promise<OwnedSession | null> => {
        const current = await this.#files.read(name);
        if (current.state === 'ok' && current.record.ownerId === ownerId) {
          const { key, expiresAt, details, activeAt } = current.record;
          if (expiresAt > Date.now()) return { key, expiresAt, details, lastActiveAt: activeAt };
        }
        await dropMarkerIfStale(this.#files, ownerHash, name);
        return null;
      });
      return found.filter((entry): entry is OwnedSession => entry !== null);
    });
  }

  async destroyOwned(ownerId: string, key: string): Promise<boolean> {
    return this.#run('destroyOwned', async () => {
      checkOwner(ownerId);
      const name = hashName(checkKey(key));
      // Read and deleted under the record's lock: a write cannot move it to another owner between.
      return this.#files.withLock(name, async () => {
        const current = await this.#files.read(name);
        if (current.state !== 'ok' || current.record.ownerId !== ownerId) return false;
        return this.#files.remove(name, current);
      });
    });
  }

  async tally(): Promise<StoreTally> {
    return this.#run('tally', async () => {
      // Every record file read whole (its owner is past the header): an operator's command.
      const tally = { live: 0, expired: 0, owned: 0, owners: 0 };
      const owners = new Set<string>();
      const now = Date.now();
      for await (const { files } of walkFolders(this.#files.layout.sessions)) {
        const records = files.filter((file) => HASH_NAME.test(file));
        await mapLimit(records, IO_CONCURRENCY, async (name) => {
          const current = await this.#files.read(name);
          if (current.state !== 'ok') return;
          if (current.record.expiresAt <= now) {
            tally.expired++;
            return;
          }
          tally.live++;
          if (current.record.ownerId !== null) {
            tally.owned++;
            owners.add(current.record.ownerId);
          }
        });
      }
      tally.owners = owners.size;
      return tally;
    });
  }

  async count(): Promise<number> {
    return this.#run('count', async () => {
      let live = 0;
      const now = Date.now();
      for await (const { dir, files } of walkFolders(this.#files.layout.sessions)) {
        const records = files.filter((file) => HASH_NAME.test(file));
        const heads = await mapLimit(records, IO_CONCURRENCY, async (file) => {
          const head = await readHeadFile(join(dir, file));
          return head?.ok === true && head.value.expiresAt > now && hashName(head.value.key) === file;
        });
        live += heads.filter(Boolean).length;
      }
      return live;
    });
  }

  async clear(): Promise<void> {
    return this.#run('clear', async () => {
      for await (const { files } of walkFolders(this.#files.layout.sessions)) {
        const records = files.filter((file) => HASH_NAME.test(file));
        await mapLimit(records, IO_CONCURRENCY, (name) =>
          this.#files.withLock(name, () => this.#files.remove(name)),
        );
      }
      await sweepMarkers(this.#files);
    });
  }

  async prune(): Promise<number> {
    return this.#run('prune', () => this.#pruneNow(false));
  }

  verify(options?: VerifyOptions): Promise<VerifyReport> {
    const { directory, pruneInterval } = this.#options;
    return verifyFileStore({ directory, pruneInterval, store: this }, options);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#pruning;
    await this.#files.close();
  }

  // ---- internals ------------------------------------------------------------------------------

  async #run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw storeError(STORE, operation, error);
    }
  }

  /**
   * A corrupt record is unusable, and left in place it would be reported on every read until the
   * cookie expires; so get() deletes it before rejecting with SessionCorruptRecordError, with a
   * process warning naming the file so disk trouble does not go unnoticed. Re-checked under the lock, because a writer may have
   * replaced the file with a good one since; skipped if the lock is busy, since that writer is
   * about to replace it anyway (and a read must never wait for a lock).
   */
  async #discardCorrupt(name: string): Promise<void> {
    const path = this.#files.layout.recordPath(name);
    await this.#files.ifUnlocked(name, undefined, async () => {
      const current = await this.#files.read(name);
      if (current.state !== 'corrupt') return;
      await removeFile(path);
      process.emitWarning(`sessionkit file store: removed corrupt session file ${path} (${current.reason})`, {
        code: 'SESSIONKIT_FILE_CORRUPT',
      });
    });
  }

  #pruneNow(background: boolean): Promise<number> {
    return pruneRecords(this.#files, {
      batchSize: this.#options.pruneBatchSize,
      staleAfter: this.#options.lockStaleAfter,
      // A background prune stops at the next batch once the store is closed.
      stopped: () => background && this.#closed,
    });
  }

  #schedulePrune(): void {
    const { pruneInterval } = this.#options;
    if (pruneInterval === 0 || this.#closed) return;
    const delay = Math.round(pruneInterval * (0.8 + Math.random() * 0.4));
    this.#timer = setTimeout(() => {
      this.#pruning = this.#pruneNow(true)
        .catch((error: unknown) => {
          // No caller to reject to; a warning keeps a failing disk visible without crashing the app.
          process.emitWarning(`sessionkit file store: background prune failed: ${String(error)}`, {
            code: 'SESSIONKIT_FILE_PRUNE',
          });
        })
        .finally(() => {
          this.#pruning = undefined;
          this.#schedulePrune();
        });
    }, delay);
    // A background chore must never keep the process alive.
    this.#timer.unref();
  }
}
