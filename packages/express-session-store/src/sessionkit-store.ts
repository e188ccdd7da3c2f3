import {
  createEnvelope,
  type Envelope,
  type EnvelopeOptions,
  isSessionError,
  SessionConfigError,
  type SessionStore,
  sha256Base64url,
} from '@sessionkit/core';
import session from 'express-session';

/** Options of {@link SessionkitStore}. */
export interface SessionkitStoreOptions extends EnvelopeOptions {
  /** Any sessionkit store: createRedisStore(...), createFileStore(...), createMemoryStore()... */
  store: SessionStore;
  /**
   * Lifetime of sessions whose cookie has no expiry (express-session's default browser-session
   * cookie, no `cookie.maxAge`). Sessions with `maxAge` live until the cookie expires.
   * @default 86_400_000 (24 hours)
   */
  ttl?: number;
  /**
   * Prepended to every storage key, so express-session records never meet sessionkit sessions
   * kept in the same store.
   * @default 'es:'
   */
  prefix?: string;
  /** Store a SHA-256 of the session ID rather than the ID, so a leaked store holds no live IDs. @default true */
  hashIds?: boolean;
}

/**
 * The owner every express-session record is indexed under, so `all()`, `ids()`, `length()` and
 * `clear()` see exactly this store's sessions (and not sessionkit sessions or another prefix
 * sharing the backend) through the contract's owner index.
 */
const ownerOf = (prefix: string) => `express-session:${prefix}`;

type Callback<T = void> = (error?: unknown, value?: T) => void;
type SessionRecord = session.SessionData;

/** Calls back outside the promise chain: an exception thrown by the callback stays uncaught, as in callback code. */
function settle<T>(work: Promise<T>, callback: Callback<T> | undefined): void {
  work.then(
    (value) => process.nextTick(() => callback?.(null, value)),
    (error: unknown) => process.nextTick(() => callback?.(error)),
  );
}

const CAS_ATTEMPTS = 5;

/**
 * An express-session store that persists through any sessionkit store, for apps that keep their
 * express-session middleware. Records are sealed with core's payload envelope (so compression and
 * encryption at rest apply) and expire with the session cookie, or after `ttl` for cookies
 * without expiry. Data goes through JSON like with express-session's own stores.
 *
 * `all()`, `ids()`, `length()` and `clear()` see this store's sessions only: every record is
 * indexed under one owner id derived from `prefix`, so they need a store with the owner index
 * (`listByOwner` / `destroyByOwner`; every sessionkit store has it). With `hashIds` (the
 * default) the backend holds no session ID, so `ids()` yields the storage keys and `all()`
 * yields the sessions as an array (express-session documents both shapes); with
 * `hashIds: false` they are keyed by session ID, like express-session's MemoryStore.
 *
 * @example
 * import session from 'express-session';
 * import { SessionkitStore } from '@sessionkit/express-session-store';
 *
 * app.use(session({
 *   secret: process.env.SESSION_SECRET!,
 *   resave: false,
 *   saveUninitialized: false,
 *   store: new SessionkitStore({ store: createRedisStore(redis, { prefix: 'myapp:' }) }),
 * }));
 */
export class SessionkitStore extends session.Store {
  readonly #store: SessionStore;
  readonly #envelope: Envelope;
  readonly #ttl: number;
  readonly #prefix: string;
  readonly #hashIds: boolean;

  constructor(options: SessionkitStoreOptions) {
    super();
    const store = options?.store as Partial<SessionStore> | undefined;
    if (typeof store?.get !== 'function' || typeof store.set !== 'function' || !store.capabilities) {
      throw new SessionConfigError(
        'SessionkitStore needs { store }: a sessionkit store such as createRedisStore(client) or createMemoryStore().',
      );
    }
    const ttl = options.ttl ?? 86_400_000;
    if (!Number.isSafeInteger(ttl) || ttl <= 0) {
      throw new SessionConfigError(
        `ttl must be a positive whole number of milliseconds, not ${String(ttl)}.`,
      );
    }
    this.#store = options.store;
    this.#envelope = createEnvelope(options);
    this.#ttl = ttl;
    this.#prefix = options.prefix ?? 'es:';
    this.#hashIds = options.hashIds ?? true;
  }

  override get(sid: string, callback: Callback<SessionRecord | null>): void {
    settle(this.#get(sid), callback);
  }

  override set(sid: string, data: SessionRecord, callback?: Callback): void {
    settle(this.#set(sid, data), callback);
  }

  /**
   * Moves the expiry and, like express-session's MemoryStore, the stored `cookie` (whose
   * `expires` the next `get` hands back): an unchanged session is rewritten with its new cookie
   * rather than only having its backend expiry moved.
   */
  override touch(sid: string, data: SessionRecord, callback?: Callback): void {
    settle(this.#touch(sid, data), callback && ((error) => callback(error)));
  }

  override destroy(sid: string, callback?: Callback): void {
    settle(
      this.#key(sid).then((key) => this.#store.destroy(key)),
      callback && ((error) => callback(error)),
    );
  }

  /** The live sessions of this store: an array, or an object keyed by session ID with `hashIds: false`. */
  override all(callback: Callback<SessionRecord[] | { [sid: string]: SessionRecord } | null>): void {
    settle(this.#all(), callback);
  }

  /** The session IDs (`hashIds: false`) or storage keys (`hashIds`, the default) of the live sessions. */
  ids(callback: Callback<string[]>): void {
    settle(
      this.#listed().then((keys) => keys.map((key) => this.#idOf(key))),
      callback,
    );
  }

  override length(callback: Callback<number>): void {
    settle(
      this.#listed().then((keys) => keys.length),
      callback,
    );
  }

  /** Deletes this store's sessions only (those under its prefix), never the backend's others. */
  override clear(callback?: Callback): void {
    const store = this.#store;
    settle(
      store.capabilities.destroyByOwner && store.destroyByOwner
        ? store.destroyByOwner(ownerOf(this.#prefix)).then(() => undefined)
        : unsupported('destroyByOwner'),
      callback && ((error) => callback(error)),
    );
  }

  async #listed(): Promise<string[]> {
    const store = this.#store;
    if (!store.capabilities.listByOwner || !store.listByOwner) return unsupported('listByOwner');
    const now = Date.now();
    const owned = await store.listByOwner(ownerOf(this.#prefix));
    return owned.filter((entry) => entry.expiresAt > now).map((entry) => entry.key);
  }

  #idOf(key: string): string {
    return key.slice(this.#prefix.length);
  }

  async #all(): Promise<SessionRecord[] | { [sid: string]: SessionRecord }> {
    const keys = await this.#listed();
    const sessions = await Promise.all(keys.map(async (key) => [key, await this.#read(key)] as const));
    const live = sessions.filter((entry): entry is [string, SessionRecord] => entry[1] !== null);
    if (this.#hashIds) return live.map(([, data]) => data);
    return Object.fromEntries(live.map(([key, data]) => [this.#idOf(key), data]));
  }

  async #key(sid: string): Promise<string> {
    return this.#prefix + (this.#hashIds ? await sha256Base64url(sid) : sid);
  }

  /**
   * The cookie's expiry, or `ttl` from now for a cookie without one. An invalid `expires` (an
   * Invalid Date) counts as none here: the record stays storable, and express-session itself
   * reports the bad cookie ("option expires is invalid") when it serializes it.
   */
  #expiresAt(data: SessionRecord): number {
    const expires = data.cookie?.expires;
    const at = expires ? new Date(expires).getTime() : Number.NaN;
    return Number.isSafeInteger(at) ? at : Date.now() + this.#ttl;
  }

  async #get(sid: string): Promise<SessionRecord | null> {
    return this.#read(await this.#key(sid));
  }

  async #read(key: string): Promise<SessionRecord | null> {
    let record: Awaited<ReturnType<SessionStore['get']>>;
    try {
      record = await this.#store.get(key);
    } catch (error) {
      // A record the backend holds but that is not one (written behind the store): unreadable,
      // so the request gets a new session, and it is removed so it cannot shadow the key.
      if (!isSessionError(error, 'SESSION_RECORD_CORRUPT')) throw error;
      await this.#store.destroy(key).catch(() => undefined);
      return null;
    }
    if (!record || record.expiresAt <= Date.now()) return null;
    try {
      return (await this.#envelope.open(record.payload, key)) as SessionRecord;
    } catch (error) {
      // Unreadable (corrupt, or sealed with a key no longer configured): a new session, like core does.
      if (isSessionError(error, 'SESSION_PAYLOAD_INVALID')) return null;
      throw error;
    }
  }

  async #set(sid: string, data: SessionRecord): Promise<void> {
    await this.#write(await this.#key(sid), () => data);
  }

  async #touch(sid: string, data: SessionRecord): Promise<void> {
    const key = await this.#key(sid);
    const cookie = JSON.stringify(data.cookie);
    await this.#write(key, async () => {
      const current = await this.#read(key);
      // Nothing to touch (expired or destroyed meanwhile): touch never resurrects a session.
      if (!current) return null;
      // The cookie stored is already this one (express-session touches right after a save):
      // moving the backend expiry is all that is left, without rewriting the payload.
      if (JSON.stringify(current.cookie) === cookie) {
        await this.#store.touch(key, this.#expiresAt(data));
        return null;
      }
      return { ...current, cookie: data.cookie };
    });
  }

  /**
   * An upsert (express-session's semantics: last writer wins) over the contract's insert and
   * compare-and-set; `next` gives the data to write, or null to write nothing.
   */
  async #write(key: string, next: () => SessionRecord | null | Promise<SessionRecord | null>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.#store.get(key).catch(async (error: unknown) => {
        if (!isSessionError(error, 'SESSION_RECORD_CORRUPT')) throw error;
        // Removed first: not every backend lets an insert replace a record it cannot read.
        await this.#store.destroy(key);
        return null;
      });
      const data = await next();
      if (!data) return;
      // JSON like every express-session store: Cookie becomes plain data, toJSON()s apply.
      const payload = await this.#envelope.seal(JSON.parse(JSON.stringify(data)), key);
      const record = {
        payload,
        version: current ? current.version + 1 : 1,
        expiresAt: this.#expiresAt(data),
        ownerId: ownerOf(this.#prefix),
      };
      try {
        await this.#store.set(key, record, current ? { expectedVersion: current.version } : undefined);
        return;
      } catch (error) {
        if (!isSessionError(error, 'SESSION_CONFLICT') || attempt >= CAS_ATTEMPTS) throw error;
      }
    }
  }
}

function unsupported(method: string): Promise<never> {
  return Promise.reject(
    new SessionConfigError(
      `The sessionkit store has no ${method}(), which all(), ids(), length() and clear() need; ` +
        'use a store whose capabilities include it (every sessionkit store has the owner index).',
    ),
  );
}
