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
 * `length()` and `clear()` need a store with the `count` / `clear` capability, and count or clear
 * everything in that store: give express-session its own prefix or table there. `all()` is not
 * offered (the store contract has no listing).
 *
 * @example
 * import session from 'express-session';
 * import { SessionkitStore } from '@sessionkit/express/compat';
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

  override touch(sid: string, data: SessionRecord, callback?: Callback): void {
    settle(
      this.#key(sid).then((key) => this.#store.touch(key, this.#expiresAt(data))),
      callback && ((error) => callback(error)),
    );
  }

  override destroy(sid: string, callback?: Callback): void {
    settle(
      this.#key(sid).then((key) => this.#store.destroy(key)),
      callback && ((error) => callback(error)),
    );
  }

  override length(callback: Callback<number>): void {
    const store = this.#store;
    settle(store.capabilities.count && store.count ? store.count() : unsupported('count'), callback);
  }

  override clear(callback?: Callback): void {
    const store = this.#store;
    settle(store.capabilities.clear && store.clear ? store.clear() : unsupported('clear'), callback);
  }

  async #key(sid: string): Promise<string> {
    return this.#prefix + (this.#hashIds ? await sha256Base64url(sid) : sid);
  }

  #expiresAt(data: SessionRecord): number {
    const expires = data.cookie?.expires;
    return expires ? new Date(expires).getTime() : Date.now() + this.#ttl;
  }

  async #get(sid: string): Promise<SessionRecord | null> {
    const key = await this.#key(sid);
    const record = await this.#store.get(key);
    if (!record || record.expiresAt <= Date.now()) return null;
    try {
      return (await this.#envelope.open(record.payload, key)) as SessionRecord;
    } catch (error) {
      // Unreadable (corrupt, or sealed with a key no longer configured): a new session, like core does.
      if (isSessionError(error, 'SESSION_PAYLOAD_INVALID')) return null;
      throw error;
    }
  }

  /** An upsert (express-session's semantics: last writer wins) over the contract's insert and compare-and-set. */
  async #set(sid: string, data: SessionRecord): Promise<void> {
    const key = await this.#key(sid);
    // JSON like every express-session store: Cookie becomes plain data, toJSON()s apply.
    const payload = await this.#envelope.seal(JSON.parse(JSON.stringify(data)), key);
    const expiresAt = this.#expiresAt(data);
    for (let attempt = 1; ; attempt++) {
      const current = await this.#store.get(key);
      const version = current ? current.version + 1 : 1;
      try {
        await this.#store.set(
          key,
          { payload, version, expiresAt },
          current ? { expectedVersion: current.version } : undefined,
        );
        return;
      } catch (error) {
        if (!isSessionError(error, 'SESSION_CONFLICT') || attempt >= CAS_ATTEMPTS) throw error;
      }
    }
  }
}

function unsupported(method: string): Promise<never> {
  return Promise.reject(
    new SessionConfigError(`The sessionkit store has no ${method}(); use one whose capabilities include it.`),
  );
}
