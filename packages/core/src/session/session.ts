import { generateSessionId } from '../cookie/ids';
import { SessionStateError } from '../errors';
import { type SessionMeta, sealSessionDetails } from './details';

/** Shape of the data a session holds. Declare yours: `Session<{ userId: string; cart: string[] }>`. */
export type SessionData = Record<string, unknown>;

/**
 * One recorded change. Commit replays the log onto freshly loaded data after a conflict, so two
 * requests that change different keys both win. `update` keeps the function, not its result, so a
 * counter incremented by two requests at once ends two higher.
 */
type Change =
  | { op: 'set'; key: string; value: unknown }
  | { op: 'unset'; key: string }
  | { op: 'update'; key: string; fn: (current: unknown) => unknown }
  | { op: 'flash'; key: string; value: unknown }
  | { op: 'consumeFlash'; key: string }
  | { op: 'owner'; ownerId: string | null; details: string | null };

/** What core seals into the payload envelope. */
export interface SessionBody {
  /** Creation time (epoch ms), the origin of the absolute timeout. */
  c: number;
  d: SessionData;
  /** Flash values waiting to be read. */
  f: SessionData;
}

/** Internal state, shared with the manager through {@link sessionState}; never exported publicly. */
export interface SessionState {
  /** '' until first needed (see idOf). */
  id: string;
  /** Storage key of the record this session was loaded from, or null for a new session. */
  loadedKey: string | null;
  version: number;
  expiresAt: number;
  createdAt: number;
  data: SessionData;
  flash: SessionData;
  ownerId: string | null;
  /** The session-list details (see StoredRecord.details) written with the record; null when none. */
  details: string | null;
  changes: Change[];
  regenerated: boolean;
  destroyed: boolean;
  committed: boolean;
  /** The request carried a session cookie (so destroy must clear it). */
  hadCookie: boolean;
  /** Loaded while the store was failing under the fail-open policy: never written. */
  degraded: boolean;
  /** This node's route suffix for new IDs (route affinity), or null. */
  route: string | null;
  /** The ID changed without a write (route rebinding): the cookie must be sent again. */
  cookieChanged: boolean;
  /** The request's cookie value when the current secret signed it: resent without signing again. */
  signedCookie: string | null;
  /**
   * The key of a record the request's cookie named but this node could not open (a payload
   * error). It is removed once this anonymous session replaces the cookie: only then is nothing
   * left that could still read it (another node may hold the key or codec this one lacks).
   */
  unreadableKey: string | null;
}

let stateOf: (session: Session) => SessionState;

/**
 * A server-side session. Data lives behind get/set so a user key named `save` or `id` can never
 * shadow a method. Values must be serializable by the configured codec (the default keeps Date,
 * Map, Set, BigInt and Uint8Array). Mutating an object you got from `get` is not tracked: write it
 * back with `set`, or use `update`.
 *
 * @example
 * const count = session.update('views', (n = 0) => n + 1);
 * if (login) { session.regenerate(); session.set('userId', user.id); session.setOwner(user.id); }
 */
export class Session<Data extends SessionData = SessionData> {
  readonly #s: SessionState;

  static {
    stateOf = (session) => session.#s;
  }

  /** @internal Sessions are created by SessionManager.load. */
  constructor(state: SessionState) {
    this.#s = state;
  }

  /** The session ID (the cookie's secret). Changes immediately on regenerate(). */
  get id(): string {
    return idOf(this.#s);
  }

  /** True until the session has been saved once. */
  get isNew(): boolean {
    return this.#s.loadedKey === null;
  }

  /** When the session was created (epoch ms). */
  get createdAt(): number {
    return this.#s.createdAt;
  }

  /** When the session expires unless touched again (epoch ms), as of load. */
  get expiresAt(): number {
    return this.#s.expiresAt;
  }

  /** The user this session belongs to, for listing and revoking a user's sessions. */
  get ownerId(): string | null {
    return this.#s.ownerId;
  }

  /**
   * The key the session was loaded from (a SHA-256 of its ID by default): what
   * `manager.listSessions` lists, to mark "this device". Null for a session not saved yet.
   */
  get storageKey(): string | null {
    return this.#s.loadedKey;
  }

  /** True when the store failed during load under the fail-open policy: the session will not be saved. */
  get degraded(): boolean {
    return this.#s.degraded;
  }

  get<K extends keyof Data & string>(key: K): Data[K] | undefined {
    return Object.hasOwn(this.#s.data, key) ? (this.#s.data[key] as Data[K]) : undefined;
  }

  has<K extends keyof Data & string>(key: K): boolean {
    return Object.hasOwn(this.#s.data, key);
  }

  set<K extends keyof Data & string>(key: K, value: Data[K]): void {
    // Storing undefined would not survive serialization; treat it as the unset it means.
    this.#record(
      value === undefined ? { op: 'unset', key: checkKey(key) } : { op: 'set', key: checkKey(key), value },
    );
  }

  unset<K extends keyof Data & string>(key: K): void {
    this.#record({ op: 'unset', key: checkKey(key) });
  }

  /**
   * Sets `key` to `fn(current)`. After a conflict, commit re-runs `fn` on the value another
   * request saved, so concurrent increments all count. `fn` must be pure: it can run more than once.
   */
  update<K extends keyof Data & string>(key: K, fn: (current: Data[K] | undefined) => Data[K]): Data[K] {
    this.#record({ op: 'update', key: checkKey(key), fn: fn as (current: unknown) => unknown });
    return this.#s.data[key] as Data[K];
  }

  /** A value for a later request, removed once read with {@link getFlash}. */
  flash(key: string, value: unknown): void {
    this.#record({ op: 'flash', key: checkKey(key), value });
  }

  /** Reads a flash value set by an earlier request and removes it. */
  getFlash<T = unknown>(key: string): T | undefined {
    if (!Object.hasOwn(this.#s.flash, key)) return undefined;
    const value = this.#s.flash[key] as T;
    this.#record({ op: 'consumeFlash', key });
    return value;
  }

  /**
   * Binds the session to a user (or unbinds it with null). `meta`, recorded at login, is what the
   * user's session list shows about this session (`manager.listSessions`): a flat object of
   * short values, at most 1024 characters as JSON (longer throws a SessionConfigError; nothing
   * is cut). Needs a store with `capabilities.ownerDetails`. Without `meta`, nothing is recorded
   * and the write costs what it always did.
   *
   * @example
   * session.setOwner(user.id, { userAgent: req.get('user-agent')?.slice(0, 200) ?? '', ip: req.ip ?? '' });
   */
  setOwner(ownerId: string | null, meta?: SessionMeta): void {
    if (ownerId !== null && (typeof ownerId !== 'string' || ownerId.length === 0 || ownerId.length > 256)) {
      throw new TypeError('ownerId must be a non-empty string of at most 256 characters, or null.');
    }
    const details =
      ownerId === null || meta === undefined ? null : sealSessionDetails(this.#s.createdAt, meta);
    this.#record({ op: 'owner', ownerId, details });
  }

  /**
   * Moves the session to a new ID at commit and deletes the old record: call it on login and on
   * any privilege change, so an ID planted before login is worthless after it (session fixation).
   */
  regenerate(): void {
    this.#assertOpen();
    this.#s.id = generateSessionId(this.#s.route);
    this.#s.regenerated = true;
  }

  /** Deletes the session at commit and clears the cookie. */
  destroy(): void {
    this.#assertOpen();
    this.#s.destroyed = true;
  }

  /** A shallow copy of the data. */
  toJSON(): Partial<Data> {
    return { ...this.#s.data } as Partial<Data>;
  }

  #record(change: Change): void {
    this.#assertOpen();
    applyChange(this.#s, change);
    this.#s.changes.push(change);
  }

  #assertOpen(): void {
    if (this.#s.committed)
      throw new SessionStateError('The session was already committed; changes after commit would be lost.');
    if (this.#s.destroyed)
      throw new SessionStateError('The session was destroyed; start a new request to get a new session.');
  }
}

function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0)
    throw new TypeError('Session keys must be non-empty strings.');
  return key;
}

function applyChange(s: Pick<SessionState, 'data' | 'flash' | 'ownerId' | 'details'>, change: Change): void {
  switch (change.op) {
    case 'set':
      put(s.data, change.key, change.value);
      break;
    case 'unset':
      delete s.data[change.key];
      break;
    case 'update':
      put(s.data, change.key, change.fn(Object.hasOwn(s.data, change.key) ? s.data[change.key] : undefined));
      break;
    case 'flash':
      put(s.flash, change.key, change.value);
      break;
    case 'consumeFlash':
      delete s.flash[change.key];
      break;
    case 'owner':
      s.ownerId = change.ownerId;
      s.details = change.details;
      break;
  }
}

/** Assignment that treats `__proto__` as an ordinary key instead of rewiring the prototype. */
function put(target: SessionData, key: string, value: unknown): void {
  // Only `__proto__` needs defineProperty (a descriptor object per call): on any other key a
  // plain assignment creates or updates the same own, enumerable, writable data property.
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * The session's ID, drawn on first use: most anonymous requests never need one (nothing to
 * save, no cookie to send), and each draw is a trip to the CSPRNG.
 */
export function idOf(state: SessionState): string {
  if (state.id === '') state.id = generateSessionId(state.route);
  return state.id;
}

/** The manager's view of a session. */
export function sessionState(session: Session): SessionState {
  return stateOf(session);
}

/** Replays this request's changes onto data another request saved (after a conflict). */
export function rebase(
  state: SessionState,
  fresh: { body: SessionBody; ownerId: string | null; details: string | null },
): void {
  // Objects in the fresh body are ours to mutate: they were just decoded from bytes.
  state.data = fresh.body.d;
  state.flash = fresh.body.f;
  state.ownerId = fresh.ownerId;
  state.details = fresh.details;
  state.createdAt = fresh.body.c;
  for (const change of state.changes) applyChange(state, change);
}

/** Whether commit has anything to write. */
export function isDirty(state: SessionState): boolean {
  return state.changes.length > 0;
}

/** The body to seal for the current state. */
export function bodyOf(state: SessionState): SessionBody {
  return { c: state.createdAt, d: state.data, f: state.flash };
}

/** Checks a decoded body, so a payload from a foreign or older writer cannot poison the session. */
export function isSessionBody(value: unknown): value is SessionBody {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Partial<SessionBody>;
  return typeof body.c === 'number' && Number.isFinite(body.c) && isRecord(body.d) && isRecord(body.f);
}

function isRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A stored session's contents in readable form, for operator tools (`sessionkit inspect`). */
export interface SessionContents {
  createdAt: number;
  data: SessionData;
  flash: SessionData;
}

/** Reads an opened envelope as session contents; null when it is not a session body. */
export function readSessionContents(opened: unknown): SessionContents | null {
  return isSessionBody(opened) ? { createdAt: opened.c, data: opened.d, flash: opened.f } : null;
}
