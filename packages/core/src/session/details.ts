/**
 * The details a user's session list shows ("your devices"): when the session was created and the
 * metadata the app recorded at login (a user agent, an IP address). Core writes them as one short
 * JSON text, `{"c":<createdAt>,"m":{...}}`, which stores keep beside the owner index without
 * reading it; the list, the CLI and the manager read it back here.
 */
import { SessionConfigError } from '../errors';
import { MAX_SESSION_DETAILS_LENGTH, type OwnedSession } from '../store/store';

/** App-chosen metadata of a session, recorded at login: short strings, numbers, booleans. */
export type SessionMeta = Readonly<Record<string, string | number | boolean | null>>;

/** One session of a user, as `manager.listSessions` and `sessionkit list` show it. */
export interface SessionListEntry {
  /** The storage key (a SHA-256 of the session ID by default): what `revokeSession` takes. */
  key: string;
  /** When the session was created (epoch ms); null when it was saved without metadata. */
  createdAt: number | null;
  /** When it was last written or touched (epoch ms); null when the store recorded none. */
  lastActiveAt: number | null;
  /** When it ends unless used again (epoch ms). */
  expiresAt: number;
  /** The metadata recorded with `session.setOwner(id, meta)`; null when none. */
  meta: SessionMeta | null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The details text of a session created at `createdAt` with `meta`. Throws a SessionConfigError
 * when `meta` is not a flat object of strings, finite numbers, booleans and nulls, or when the
 * text would exceed {@link MAX_SESSION_DETAILS_LENGTH} characters: nothing is cut silently, so
 * shorten long values (a user agent) before passing them.
 */
export function sealSessionDetails(createdAt: number, meta: SessionMeta): string {
  if (!isPlainObject(meta)) {
    throw new SessionConfigError(
      'setOwner(id, meta): meta must be a plain object such as { userAgent, ip }.',
    );
  }
  for (const [name, value] of Object.entries(meta)) {
    const ok =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!ok) {
      throw new SessionConfigError(
        `setOwner(id, meta): meta.${name} must be a string, a finite number, a boolean or null (got ${typeof value}).`,
      );
    }
  }
  const text = JSON.stringify({ c: createdAt, m: meta });
  if (text.length > MAX_SESSION_DETAILS_LENGTH) {
    throw new SessionConfigError(
      `setOwner(id, meta): the metadata takes ${text.length} characters, over the ${MAX_SESSION_DETAILS_LENGTH}-character ` +
        'limit of a session list entry; keep a few short fields and cut long ones (e.g. userAgent.slice(0, 256)).',
    );
  }
  return text;
}

/**
 * Reads a details text back: its creation time and metadata, each null when absent or not in the
 * expected shape (a value written by something else never makes a list fail).
 *
 * @example
 * const { createdAt, meta } = readSessionDetails(owned.details);
 */
export function readSessionDetails(details: string | null | undefined): {
  createdAt: number | null;
  meta: SessionMeta | null;
} {
  if (typeof details !== 'string') return { createdAt: null, meta: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(details);
  } catch {
    return { createdAt: null, meta: null };
  }
  if (!isPlainObject(parsed)) return { createdAt: null, meta: null };
  const createdAt = typeof parsed.c === 'number' && Number.isFinite(parsed.c) ? parsed.c : null;
  const meta = isPlainObject(parsed.m) ? (parsed.m as SessionMeta) : null;
  return { createdAt, meta };
}

/**
 * One `listByOwner` entry as a {@link SessionListEntry}.
 *
 * @example
 * const entries = (await store.listByOwner!('u1')).map(toSessionListEntry);
 */
export function toSessionListEntry(owned: OwnedSession): SessionListEntry {
  const { createdAt, meta } = readSessionDetails(owned.details);
  const lastActiveAt = typeof owned.lastActiveAt === 'number' ? owned.lastActiveAt : null;
  return { key: owned.key, createdAt, lastActiveAt, expiresAt: owned.expiresAt, meta };
}
