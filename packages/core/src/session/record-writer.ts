import { isSessionError, SessionConfigError, SessionConflictError, SessionPayloadError } from '../errors';
import type { StoredRecord, StoreOperation } from '../store/store';
import { storeCaller } from '../store/store-call';
import { emit } from './hooks';
import type { ResolvedOptions } from './options';
import { bodyOf, isSessionBody, rebase, type SessionBody, type SessionState } from './session';
import { WriteBatcher } from './write-batch';

/** A payload this node could not open (see RecordWriter.read). */
const UNREADABLE = Symbol('unreadable');

/**
 * What {@link RecordWriter.read} found. `unreadable`: a record is there but its payload did not
 * open here (corrupt bytes, or a key or codec this node lacks that another node may have).
 */
export type Loaded =
  | { record: StoredRecord; body: SessionBody }
  | { record: StoredRecord | null; body: null; unreadable: boolean };

/**
 * The manager's side of the store, every call under the store deadline: seals session bodies
 * into records and writes them with compare-and-set, replaying a request's changes after a
 * conflict; and opens records back into bodies (for load, and for the replay).
 */
export class RecordWriter {
  readonly #options: ResolvedOptions;
  /** Commits to loaded sessions go through here, so concurrent ones share a write. */
  readonly batcher = new WriteBatcher((key, batch, now, latest) => this.writeBatch(key, batch, now, latest));

  readonly #call;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#call = storeCaller({
      timeoutMs: options.storeTimeout,
      hooks: options.hooks,
      telemetry: options.telemetry,
    });
  }

  /**
   * Writes with compare-and-set; on conflict reloads, replays this request's changes and retries
   * with jittered backoff. Resolves the record written, or null when another request deleted the
   * session meanwhile: the changes are dropped rather than resurrecting a session someone logged
   * out of (or moved to a new ID at login). `replaces`: an insert that also deletes that key
   * (see SetOptions.replaces; the store must declare replaceOnInsert).
   */
  async write(
    s: SessionState,
    key: string,
    now: number,
    insert: boolean,
    replaces?: string,
  ): Promise<StoredRecord | null> {
    for (let attempt = 0; ; attempt++) {
      const expiresAt = this.expiryFor(now, s.createdAt);
      const sealed = this.#seal(bodyOf(s), key);
      const payload = sealed instanceof Uint8Array ? sealed : await sealed;
      this.#options.telemetry?.payloadSize?.(payload.length);
      const record: StoredRecord = {
        payload,
        version: insert ? 1 : s.version + 1,
        expiresAt,
        ownerId: s.ownerId,
      };
      // Only a session the app recorded metadata for carries details: every other write is as before.
      if (s.details !== null) record.details = this.#details(s.details);
      try {
        const stored = await this.call('set', () =>
          this.#options.store.set(
            key,
            record,
            insert ? (replaces === undefined ? undefined : { replaces }) : { expectedVersion: s.version },
          ),
        );
        // A store without a version column of its own (capabilities.assignsVersions) says which it stored.
        if (typeof stored === 'number') record.version = stored;
        s.version = record.version;
        s.expiresAt = expiresAt;
        this.#options.telemetry?.count('committed');
        return record;
      } catch (error) {
        if (!(error instanceof SessionConflictError || isSessionError(error, 'SESSION_CONFLICT')))
          throw error;
        if (insert || attempt >= this.#options.maxConflictRetries) {
          // An insert's conflict is a fresh ID colliding, never another writer: not counted.
          if (!insert) this.#options.telemetry?.count('conflictGivenUp');
          throw error;
        }
        emit(this.#options.hooks, 'conflict', { key, attempt: attempt + 1 });
        // Jitter spreads writers from other processes apart; in-process writers are already batched.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
        const fresh = await this.read(key);
        if (fresh.body === null) return null;
        rebase(s, freshOf(fresh.body, fresh.record));
        s.version = fresh.record.version;
      }
    }
  }

  /**
   * One write for the changes of every request in `batch` (see WriteBatcher). Their change logs
   * are replayed, in arrival order, onto the newest record known: what this process wrote last
   * when no request saw anything newer, otherwise what the store holds now.
   */
  async writeBatch(
    key: string,
    batch: SessionState[],
    now: number,
    latest: StoredRecord | null,
  ): Promise<StoredRecord | null> {
    let newest = 0;
    for (const s of batch) newest = Math.max(newest, s.version);
    let merged = batch[0] as SessionState;
    if (batch.length > 1 || (latest !== null && latest.version > newest)) {
      merged = { ...merged, changes: batch.flatMap((s) => s.changes) };
      const base =
        latest !== null && latest.version >= newest ? await this.#loaded(key, latest) : await this.read(key);
      if (base.body === null) return null;
      rebase(merged, freshOf(base.body, base.record));
      merged.version = base.record.version;
    }
    const written = await this.write(merged, key, now, false);
    for (const s of batch) {
      s.version = merged.version;
      s.expiresAt = merged.expiresAt;
    }
    return written;
  }

  /**
   * The record under `key` and its body. `body` is null when there is no live record: none at
   * all, expired, past its absolute timeout, unreadable (`unreadable` is then true: see #open()),
   * or corrupt. A corrupt record (the store rejected get with SESSION_RECORD_CORRUPT) is reported
   * through the payloadError hook and removed now: no node can ever read it, and left in place it
   * would be reported on every request that carries its cookie (a Redis key of another type may
   * even have no expiry at all).
   */
  async read(key: string): Promise<Loaded> {
    let record: StoredRecord | null;
    try {
      record = await this.call('get', () => this.#options.store.get(key));
    } catch (error) {
      if (!isSessionError(error, 'SESSION_RECORD_CORRUPT')) throw error;
      emit(this.#options.hooks, 'payloadError', { key, error });
      // Best effort, like the absolute-timeout removal: a failure here must not fail the request,
      // and the next request that carries the cookie tries again.
      await this.call('destroy', () => this.#options.store.destroy(key)).catch(() => undefined);
      return NOTHING;
    }
    return record === null ? NOTHING : this.#loaded(key, record);
  }

  // Synchronous when the payload opens without compression or encryption: no promise per layer.
  #loaded(key: string, record: StoredRecord): Loaded | Promise<Loaded> {
    const body = this.#open(key, record);
    return body instanceof Promise ? body.then((b) => loadedOf(record, b)) : loadedOf(record, body);
  }

  /**
   * The body of a record; null when it does not decode (reported through the payloadError hook;
   * UNREADABLE then), has passed its absolute timeout (it is then destroyed) or has expired.
   */
  #open(key: string, record: StoredRecord): Opened | Promise<Opened> {
    let opened: unknown;
    try {
      opened = this.#options.envelope.openNow(record.payload, key);
    } catch (error) {
      return this.#unreadable(key, error);
    }
    if (opened instanceof Promise) {
      return opened.then(
        (body) => this.#live(key, record, body),
        (error: unknown) => this.#unreadable(key, error),
      );
    }
    return this.#live(key, record, opened);
  }

  #live(key: string, record: StoredRecord, body: unknown): Opened | Promise<Opened> {
    if (!isSessionBody(body)) {
      return this.#unreadable(key, new SessionPayloadError('The stored session has an unexpected shape.'));
    }
    const now = this.#options.clock();
    if (body.c + this.#options.absoluteTimeout <= now) {
      emit(this.#options.hooks, 'expired', { key, ownerId: record.ownerId ?? null, reason: 'absolute' });
      // Best effort: the record is dead either way, and its own expiry removes it if this fails.
      return this.call('destroy', () => this.#options.store.destroy(key)).then(
        () => null,
        () => null,
      );
    }
    if (record.expiresAt > now) return body;
    // Past its idle expiry: stores filter these on read, so only a record read in its last
    // moments gets here. No hook (it is not an absolute-timeout removal), but counted.
    this.#options.telemetry?.count('expired');
    return null;
  }

  #unreadable(key: string, error: unknown): typeof UNREADABLE {
    const payloadError = isSessionError(error)
      ? error
      : new SessionPayloadError('The stored session could not be decoded.', { cause: error });
    emit(this.#options.hooks, 'payloadError', { key, error: payloadError });
    return UNREADABLE;
  }

  /** The sealed body: synchronous unless compression or encryption is involved (see CoreEnvelope). */
  #seal(body: SessionBody, key: string): Uint8Array | Promise<Uint8Array> {
    try {
      const sealed = this.#options.envelope.sealNow(body, key);
      return sealed instanceof Uint8Array
        ? sealed
        : sealed.catch((error: unknown) => Promise.reject(sealError(error)));
    } catch (error) {
      throw sealError(error);
    }
  }

  /** The details to write, refused up front by a store that would drop them. */
  #details(details: string): string {
    if (!this.#options.store.capabilities.ownerDetails) {
      throw new SessionConfigError(
        'setOwner(id, meta) recorded session-list metadata, but the configured store does not keep it ' +
          '(capabilities.ownerDetails is false); call setOwner(id) without meta, or use a store that lists sessions.',
      );
    }
    return details;
  }

  expiryFor(now: number, createdAt: number): number {
    return Math.min(now + this.#options.idleTimeout, createdAt + this.#options.absoluteTimeout);
  }

  call<T>(operation: StoreOperation, run: () => Promise<T>): Promise<T> {
    return this.#call(operation, run);
  }
}

type Opened = SessionBody | null | typeof UNREADABLE;

function freshOf(body: SessionBody, record: StoredRecord) {
  return { body, ownerId: record.ownerId ?? null, details: record.details ?? null };
}

/** No live record under the key (shared: callers only read it). */
const NOTHING: Loaded = Object.freeze({ record: null, body: null, unreadable: false });

function loadedOf(record: StoredRecord, body: Opened): Loaded {
  if (body === null || body === UNREADABLE) return { record, body: null, unreadable: body === UNREADABLE };
  return { record, body };
}

/** What a body that cannot be sealed fails with: the envelope's own errors, or the codec's, wrapped. */
function sealError(error: unknown): unknown {
  if (isSessionError(error)) return error;
  return new SessionPayloadError(`The session data cannot be serialized: ${(error as Error).message}`, {
    cause: error,
  });
}
