import { serializeClearingCookie, serializeCookie } from '../cookie/cookie';
import { routeOf, storageKey, withRoute } from '../cookie/ids';
import { CookieMemo } from '../cookie/memo';
import { createCookieSigner, VERIFIED_MEMO_SIZE } from '../cookie/signer';
import { verifiedCookies } from '../cookie/verify';
import { isSessionError, SessionConfigError, SessionStateError } from '../errors';
import type { SessionStore, StoredRecord } from '../store/store';
import type { VerifyOptions, VerifyReport } from '../store/verify';
import type { SessionStats } from '../telemetry/stats';
import { type SessionListEntry, toSessionListEntry } from './details';
import { emit } from './hooks';
import { type ResolvedOptions, resolveOptions, type SessionManagerOptions } from './options';
import { type Loaded, RecordWriter } from './record-writer';
import {
  idOf,
  isDirty,
  Session,
  type SessionBody,
  type SessionData,
  type SessionState,
  sessionState,
} from './session';
import { startVerification, verifyManager } from './startup';

/**
 * Marks every SessionManager (subclasses included) so that toSessionManager can tell one from
 * its options across two copies of core (ESM and CJS builds), where `instanceof` fails. A global
 * symbol, like the brand of the error family.
 */
export const MANAGER_BRAND = Symbol.for('sessionkit.manager');

/** Where load() finds the Cookie header: the header itself, or anything with Web-style headers (a `Request`). */
export type CookieSource = string | null | undefined | { headers: { get(name: string): string | null } };

/**
 * Loads sessions from cookies and commits them back. Framework bindings call `load` before the
 * handler and `commit` before the response head is sent; everything else (expiry, signing,
 * conflicts, the envelope) happens here.
 */
export class SessionManager<Data extends SessionData = SessionData> {
  readonly options: ResolvedOptions;
  readonly #signer;
  readonly #writer: RecordWriter;
  /**
   * Storage keys of cookies loaded before, by the cookie value as sent (only with hashIds): the
   * key is SHA-256 of the ID the cookie names, so a request carrying a cookie seen before skips
   * that hash. The lookup costs a fraction of it: the signer's memo has just hashed the same
   * string for its own map, and V8 keeps a string's hash.
   */
  readonly #keys = new CookieMemo<string>(VERIFIED_MEMO_SIZE);
  /**
   * The startup verification (`verifyOnStart`): resolves its report (null with 'off'; with
   * 'warn', null too when it found problems, which were reported through the `verify` hook).
   * With 'fail' it rejects with the `SessionVerifyError`: await it before taking traffic.
   *
   * @example
   * const sessions = createSessionManager({ store, secrets, verifyOnStart: 'fail' });
   * await sessions.ready;
   * app.listen(3000);
   */
  readonly ready: Promise<VerifyReport | null>;

  constructor(options: SessionManagerOptions) {
    Object.defineProperty(this, MANAGER_BRAND, { value: true });
    this.options = resolveOptions(options);
    this.#writer = new RecordWriter(this.options);
    this.#signer = createCookieSigner(this.options.secrets);
    this.ready = startVerification(this, this.options, this.options.verifyOnStart).ready;
  }

  /**
   * Verifies the store (its own `verify()`, when it declares one) and the manager's options
   * against the store's capabilities, with the manager's `storeTimeout` and `clock`. Resolves the
   * report, or rejects with one `SessionVerifyError` listing every problem and how to fix it.
   *
   * @example
   * try {
   *   const report = await sessions.verify();
   *   console.log(report.clockSkewMs);
   * } catch (error) {
   *   if (isSessionError(error, 'SESSION_VERIFY_FAILED')) console.error(error.message);
   * }
   */
  verify(options?: VerifyOptions): Promise<VerifyReport> {
    return verifyManager(this.options, options);
  }

  /** Name of the session cookie. */
  get cookieName(): string {
    return this.options.cookie.name;
  }

  /**
   * The session named by the request's cookie, or a new anonymous one when the cookie is missing,
   * tampered with, malformed, or names a session that expired. Rejects only when the store fails
   * under the 'fail-closed' policy.
   */
  async load(source?: CookieSource): Promise<Session<Data>> {
    const header = typeof source === 'object' && source !== null ? source.headers.get('cookie') : source;
    const verified = verifiedCookies(this.#signer, header, this.options.cookie.name);
    const cookies = verified instanceof Promise ? await verified : verified;
    let unreadableKey: string | null = null;
    for (const { id, signed, current } of cookies) {
      const hashed = this.#keyOf(id, signed);
      const key = typeof hashed === 'string' ? hashed : await hashed;
      let loaded: Loaded;
      try {
        loaded = await this.#writer.read(key);
      } catch (error) {
        if (this.options.onStoreError === 'fail-open') return this.#fresh(true, true);
        throw error;
      }
      if (loaded.body !== null) {
        this.options.telemetry?.count('loaded');
        const state = this.#stateFrom(id, key, loaded.record, loaded.body);
        state.signedCookie = current ? signed : null;
        return new Session<Data>(this.#rebind(state));
      }
      if (loaded.unreadable) unreadableKey ??= key;
    }
    // hadCookie: a present-but-dead cookie gets cleared if this anonymous session is destroyed.
    const fresh = this.#blank(cookies.length > 0, false);
    fresh.unreadableKey = unreadableKey;
    return new Session<Data>(fresh);
  }

  /**
   * Saves what the request changed and returns the Set-Cookie value to send, or null when the
   * cookie does not need to change. Read-only requests write nothing until `touchAfter` passed.
   */
  commit(session: Session<Data>): Promise<string | null> {
    // Not an async function: the promise #commit returns is handed on, not wrapped in another.
    const s = sessionState(session as Session);
    if (s.committed)
      return Promise.reject(new SessionStateError('commit() was called twice for the same session.'));
    s.committed = true;
    if (s.degraded) return Promise.resolve(null);
    const committed = this.#commit(s);
    if (this.options.onStoreError !== 'fail-open') return committed;
    return committed.catch((error: unknown) => {
      if (isSessionError(error, 'SESSION_STORE_ERROR') || isSessionError(error, 'SESSION_STORE_TIMEOUT'))
        return null;
      throw error;
    });
  }

  /**
   * The counts kept since this manager was created: events, store calls by operation (count,
   * outcomes, total and longest duration), payload sizes, and the store's own counters when it
   * keeps any (the persistent tier does). Requires `stats: true`.
   *
   * @example
   * const sessions = createSessionManager({ store, secrets, stats: true });
   * app.get('/metrics/sessions', (_req, res) => res.json(sessions.stats()));
   */
  stats(): SessionStats {
    const recorder = this.options.stats;
    if (recorder === null) {
      throw new SessionConfigError(
        'stats() needs the manager option stats: true (counting is off by default).',
      );
    }
    const snapshot = recorder.snapshot();
    const store = this.options.store;
    if (store.capabilities.stats && store.stats) snapshot.store = store.stats();
    return snapshot;
  }

  /**
   * The live sessions of a user ("your devices"): per session its storage key, created-at,
   * last-active, expires-at and the metadata recorded with `setOwner(id, meta)`, most recently
   * active first. Requires a store with an owner index; created-at, last-active and metadata need
   * `capabilities.ownerDetails` (null otherwise). Mark the current one with `session.storageKey`.
   *
   * @example
   * const devices = await sessions.listSessions(userId);
   * const current = devices.find((d) => d.key === session.storageKey);
   */
  async listSessions(ownerId: string): Promise<SessionListEntry[]> {
    const store = this.options.store;
    if (!store.capabilities.listByOwner || !store.listByOwner) throw unsupported(store, 'listByOwner');
    const owned = await this.#writer.call('listByOwner', () => store.listByOwner!(ownerId));
    const entries = owned.map(toSessionListEntry);
    const recency = (entry: SessionListEntry) => entry.lastActiveAt ?? entry.createdAt ?? 0;
    return entries.sort((a, b) => recency(b) - recency(a) || b.expiresAt - a.expiresAt);
  }

  /**
   * Ends one session of a user (a "sign out" button on a device list); resolves whether a live
   * session was ended. The session is ended only if it belongs to `ownerId`, so a key sent by a
   * client can never end someone else's session. Requires `capabilities.ownerDetails`.
   *
   * @example
   * await sessions.revokeSession(session.ownerId!, String(req.body.key));
   */
  async revokeSession(ownerId: string, key: string): Promise<boolean> {
    const store = this.options.store;
    if (typeof ownerId !== 'string' || typeof key !== 'string') {
      throw new TypeError('revokeSession(ownerId, key) takes two strings.');
    }
    if (!store.capabilities.ownerDetails || !store.destroyOwned) throw unsupported(store, 'destroyOwned');
    const ended = await this.#writer.call('destroyOwned', () => store.destroyOwned!(ownerId, key));
    if (ended) emit(this.options.hooks, 'destroyed', { key, ownerId });
    return ended;
  }

  /** Ends every session of a user ("log out everywhere"); resolves how many were removed. */
  async revokeSessions(ownerId: string): Promise<number> {
    const store = this.options.store;
    if (!store.capabilities.destroyByOwner || !store.destroyByOwner)
      throw unsupported(store, 'destroyByOwner');
    return this.#writer.call('destroyByOwner', () => store.destroyByOwner!(ownerId));
  }

  /** The storage key of a verified cookie's ID (see #keys). */
  #keyOf(id: string, signed: string): string | Promise<string> {
    if (!this.options.hashIds) return storageKey(id, false);
    const known = this.#keys.get(signed);
    if (known !== undefined) return known;
    const hashed = storageKey(id, true);
    if (typeof hashed === 'string') {
      this.#keys.add(signed, hashed);
      return hashed;
    }
    return hashed.then((key) => {
      this.#keys.add(signed, key);
      return key;
    });
  }

  async #commit(s: SessionState): Promise<string | null> {
    const { store, hooks, rolling, cookie, touchAfter } = this.options;
    const now = this.options.clock();
    if (s.destroyed) {
      if (s.loadedKey !== null) {
        const loadedKey = s.loadedKey;
        await this.#writer.call('destroy', () => store.destroy(loadedKey));
        emit(hooks, 'destroyed', { key: loadedKey, ownerId: s.ownerId });
      }
      await this.#dropUnreadable(s);
      return s.hadCookie ? serializeClearingCookie(cookie) : null;
    }
    // The key never changes for a loaded session (a route change is not part of it): no second hash.
    const hashed =
      s.loadedKey !== null && !s.regenerated ? s.loadedKey : storageKey(idOf(s), this.options.hashIds);
    // Awaited only where hashing is asynchronous (Web Crypto): an await costs a microtask turn.
    const key = typeof hashed === 'string' ? hashed : await hashed;
    if (s.loadedKey === null || s.regenerated) {
      // An untouched new session is never saved: anonymous visits cost no storage and set no cookie.
      if (s.loadedKey === null && !isDirty(s)) return null;
      const previousKey = s.loadedKey;
      // A store that can delete the old record in the insert's own round trip does (a login costs
      // one); otherwise a destroy follows. Either way the insert comes first: a crash in between
      // leaves a stale record, never no session, and a failed insert deletes nothing.
      const replaces = previousKey !== null && store.capabilities.replaceOnInsert ? previousKey : undefined;
      // A new key (a fresh random ID): nothing in this process can be writing it already.
      await this.#writer.write(s, key, now, true, replaces);
      if (previousKey !== null) {
        if (replaces === undefined) await this.#writer.call('destroy', () => store.destroy(previousKey));
        emit(hooks, 'regenerated', { key, previousKey, ownerId: s.ownerId });
      } else {
        emit(hooks, 'created', { key, ownerId: s.ownerId });
        if (s.unreadableKey !== null) await this.#dropUnreadable(s);
      }
      return this.#cookie(s, now);
    }
    const before = s.expiresAt;
    if (isDirty(s)) {
      const saved = await this.#writer.batcher.submit(key, s, now);
      // Gone meanwhile (logout, or a login in another tab that regenerated the ID): the changes
      // are dropped and the cookie is left alone, since the browser may already hold the newer
      // session's cookie and a late clearing cookie would log it out.
      if (!saved) return null;
    } else {
      const next = this.#writer.expiryFor(now, s.createdAt);
      if (next - before >= touchAfter && (await this.#writer.call('touch', () => store.touch(key, next)))) {
        s.expiresAt = next;
      }
    }
    return rolling || s.cookieChanged || s.signedCookie === null || this.#cookieExpiryDue(before, s.expiresAt)
      ? this.#cookie(s, now)
      : null;
  }

  /**
   * Whether a persistent cookie must be sent again because the session's expiry moved from
   * `before` to `after`. Re-sending it on every write would cost a header on every response, so
   * it is sent when the expiry crosses a multiple of touchAfter, with an expiry touchAfter later
   * than the session's (see #cookie). Between two crossings the session's expiry moves by less
   * than touchAfter, so the browser's cookie always outlives the session: it is never the cookie
   * that ends a session early. A touch moves the expiry by touchAfter or more, so it always
   * crosses one.
   */
  #cookieExpiryDue(before: number, after: number): boolean {
    const { cookie, touchAfter } = this.options;
    if (!cookie.persistent || after === before) return false;
    return touchAfter === 0 || Math.floor(after / touchAfter) !== Math.floor(before / touchAfter);
  }

  /**
   * Removes the record the request's cookie named but no payload of which opened here, now that
   * the browser's cookie is being replaced (or cleared): the record can no longer be reached.
   * Best effort: it expires by itself if this fails, and the request must not fail for it.
   */
  async #dropUnreadable(s: SessionState): Promise<void> {
    const key = s.unreadableKey;
    if (key === null) return;
    s.unreadableKey = null;
    await this.#writer.call('destroy', () => this.options.store.destroy(key)).catch(() => undefined);
  }

  #stateFrom(id: string, key: string, record: StoredRecord, body: SessionBody): SessionState {
    const { version, expiresAt } = record;
    const ownerId = record.ownerId ?? null;
    const init = {
      id,
      loadedKey: key,
      version,
      expiresAt,
      createdAt: body.c,
      data: body.d,
      flash: body.f,
      ownerId,
      details: record.details ?? null,
    };
    return this.#state(init, true, false);
  }

  /** Route affinity: move a session arriving from another node's route to ours, if the policy says so. */
  #rebind(s: SessionState): SessionState {
    const { route, rebindRoute } = this.options;
    const from = routeOf(s.id);
    if (route !== null && from !== route && rebindRoute(from)) {
      s.id = withRoute(s.id, route);
      s.cookieChanged = true;
    }
    return s;
  }

  #fresh(hadCookie: boolean, degraded: boolean): Session<Data> {
    return new Session<Data>(this.#blank(hadCookie, degraded));
  }

  #blank(hadCookie: boolean, degraded: boolean): SessionState {
    const now = this.options.clock();
    const expiresAt = this.#writer.expiryFor(now, now);
    // id '': drawn on first use (idOf), so an anonymous request that saves nothing never draws one.
    const fresh = {
      id: '',
      loadedKey: null,
      version: 0,
      expiresAt,
      createdAt: now,
      data: {},
      flash: {},
      ownerId: null,
      details: null,
    };
    return this.#state(fresh, hadCookie, degraded);
  }

  // The one place that builds a state object: every one gets the same fields in the same order.
  // Fields are copied one by one: object spread here cost several µs per request under HTTP load
  // (measured with bench/'s Fastify server), more than the rest of a memory-store read.
  #state(init: StateInit, hadCookie: boolean, degraded: boolean): SessionState {
    return {
      id: init.id,
      loadedKey: init.loadedKey,
      version: init.version,
      expiresAt: init.expiresAt,
      createdAt: init.createdAt,
      data: init.data,
      flash: init.flash,
      ownerId: init.ownerId,
      details: init.details,
      changes: [],
      regenerated: false,
      destroyed: false,
      committed: false,
      hadCookie,
      degraded,
      route: this.options.route,
      cookieChanged: false,
      signedCookie: null,
      unreadableKey: null,
    };
  }

  #cookie(s: SessionState, now: number): string | Promise<string> {
    // The request's own cookie, when it still names this ID: an HMAC saved on every write.
    const id = idOf(s);
    const own = s.signedCookie;
    const signed = own?.slice(0, own.lastIndexOf('.')) === id ? own : this.#signer.sign(id);
    if (typeof signed !== 'string') return signed.then((value) => this.#serialize(s, value, now));
    return this.#serialize(s, signed, now);
  }

  #serialize(s: SessionState, signed: string, now: number): string {
    const { cookie, touchAfter, absoluteTimeout } = this.options;
    // touchAfter past the session's expiry (see #cookieExpiryDue), plus the second Max-Age
    // rounds down, but never past its absolute end: a browser that keeps the cookie a little
    // longer only sends a cookie the store no longer answers to.
    const expires = Math.min(s.expiresAt + touchAfter + 1000, s.createdAt + absoluteTimeout);
    return serializeCookie(cookie, signed, cookie.persistent ? expires : null, now);
  }
}

type StateInit = Pick<
  SessionState,
  'id' | 'loadedKey' | 'version' | 'expiresAt' | 'createdAt' | 'data' | 'flash' | 'ownerId' | 'details'
>;

/**
 * Why the store cannot do `method`: its own reason when it has one (a SQL table without an owner
 * column names the column to add), or a general one.
 */
function unsupported(
  store: SessionStore,
  method: 'listByOwner' | 'destroyByOwner' | 'destroyOwned',
): SessionConfigError {
  const reason = store.unsupportedReason?.(method);
  return new SessionConfigError(
    reason ?? `The configured store has no ${method}(); use a store whose capabilities include it.`,
  );
}

/**
 * Creates a session manager.
 *
 * @example
 * const sessions = createSessionManager<{ userId: string }>({
 *   store: createMemoryStore(),
 *   secrets: [process.env.SESSION_SECRET!],
 *   idleTimeout: 30 * 60_000,
 * });
 * const session = await sessions.load(request.headers.get('cookie'));
 * session.set('userId', 'u1');
 * const setCookie = await sessions.commit(session); // string | null
 */
export function createSessionManager<Data extends SessionData = SessionData>(
  options: SessionManagerOptions,
): SessionManager<Data> {
  return new SessionManager<Data>(options);
}
