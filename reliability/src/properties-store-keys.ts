/**
 * Hostile keys and owner ids straight into a real store (what a third-party caller or a bug could
 * send; core itself only ever passes SHA-256 digests): each is stored and read back exactly or
 * refused with a SessionStoreError that leaves the backend untouched; no key aliases a near
 * variant of itself (case, Unicode normalization, surrounding space); and nothing outside the
 * store's own records changes (a canary session, and the subject's view of its surroundings).
 */
import {
  isSessionError,
  type OptionalStoreOperation,
  type StoredRecord,
  type StoreWith,
} from '@sessionkit/core';
import fc from 'fast-check';
import { ensure, ensureEqual } from './ensure';
import { hostileString } from './hostile';

/** A real store plus a way to look at everything around it that a hostile key could reach. */
export interface StoreSubject {
  name: string;
  store: StoreWith<Extract<OptionalStoreOperation, 'count' | 'listByOwner'>>;
  /** A snapshot of what lies outside the store's records (other keys, tables, files). */
  outside(): Promise<unknown>;
  close(): Promise<void>;
}

/** Resolves with the value, or with the rejection wrapped, so both paths can be checked. */
async function settle<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

const VARIANTS = ['upper', 'lower', 'nfc', 'nfd', 'trailing-space', 'leading-space'] as const;

function variant(key: string, kind: (typeof VARIANTS)[number]): string {
  switch (kind) {
    case 'upper':
      return key.toUpperCase();
    case 'lower':
      return key.toLowerCase();
    case 'nfc':
      return key.normalize('NFC');
    case 'nfd':
      return key.normalize('NFD');
    case 'trailing-space':
      return `${key} `;
    case 'leading-space':
      return ` ${key}`;
  }
}

function sameRecord(actual: StoredRecord | null, expected: StoredRecord): boolean {
  return (
    actual !== null &&
    actual.version === expected.version &&
    actual.expiresAt === expected.expiresAt &&
    (actual.ownerId ?? null) === (expected.ownerId ?? null) &&
    Buffer.from(actual.payload).equals(Buffer.from(expected.payload))
  );
}

/** Runs the property on `subject`; resolves how many keys were stored and how many refused. */
export async function hostileKeysConfined(
  runs: number,
  subject: StoreSubject,
): Promise<{ stored: number; refused: number }> {
  const { store } = subject;
  const canaryKey = 'canary-session-key';
  const canary: StoredRecord = {
    payload: Uint8Array.from([1, 2, 3]),
    version: 7,
    expiresAt: Date.now() + 3_600_000,
    ownerId: 'canary-owner',
  };
  await store.set(canaryKey, canary);
  const before = await subject.outside();
  const counts = { stored: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(
      hostileString(),
      fc.constantFrom(...VARIANTS),
      fc.option(hostileString(3), { nil: null }),
      fc.uint8Array({ maxLength: 64 }),
      async (key, kind, ownerId, payload) => {
        if (key === canaryKey || ownerId === canary.ownerId) return;
        const label = `key ${JSON.stringify(key)} owner ${JSON.stringify(ownerId)}`;
        const record: StoredRecord = { payload, version: 1, expiresAt: Date.now() + 600_000, ownerId };
        try {
          const missing = await settle(store.get(key));
          ensure(
            missing.ok && missing.value === null,
            `get(${label}) before set: ${JSON.stringify(missing)}`,
          );
          const written = await settle(store.set(key, record));
          if (!written.ok) {
            ensure(
              isSessionError(written.error, 'SESSION_STORE_ERROR'),
              `set(${label}) rejected with ${String(written.error)}`,
            );
            // Refused: nothing may have been written anywhere.
            ensure((await store.count()) === 1, `set(${label}) was refused but left something behind`);
            counts.refused++;
          } else {
            counts.stored++;
            ensure(sameRecord(await store.get(key), record), `get(${label}) did not return what was stored`);
            const near = variant(key, kind);
            if (near !== key) {
              const aliased = await settle(store.get(near));
              ensure(aliased.ok && aliased.value === null, `${JSON.stringify(near)} aliases ${label}`);
            }
            if (ownerId !== null) {
              ensureEqual(
                (await store.listByOwner(ownerId)).map((entry) => entry.key),
                [key],
                `listByOwner(${JSON.stringify(ownerId)})`,
              );
            }
            ensure((await store.destroy(key)) === true, `destroy(${label})`);
            ensure((await store.get(key)) === null, `get(${label}) after destroy`);
          }
        } finally {
          // A failed case must not leave its record behind for the shrunk cases that follow.
          await store.destroy(key).catch(() => undefined);
        }
        ensure(sameRecord(await store.get(canaryKey), canary), `the canary changed after ${label}`);
      },
    ),
    { numRuns: runs },
  );
  ensure((await store.count()) === 1, 'records are left besides the canary');
  ensureEqual(await subject.outside(), before, 'something outside the store changed');
  return counts;
}

/**
 * A key or owner id with a lone surrogate (not well-formed UTF-16) must not alias its U+FFFD
 * spelling: a store that encodes strings as UTF-8 replaces the surrogate with U+FFFD, so
 * `'\ud800x'` and `'\ufffdx'` would name the same record or owner index unless it refuses one.
 * Resolves the violations found (empty when the store refuses or keeps both apart).
 */
export async function loneSurrogateViolations(subject: StoreSubject): Promise<string[]> {
  const { store } = subject;
  const problems: string[] = [];
  const record = (ownerId: string | null): StoredRecord => ({
    payload: Uint8Array.from([9]),
    version: 1,
    expiresAt: Date.now() + 600_000,
    ownerId,
  });
  const lone = 'lone-\ud800-key';
  const replaced = 'lone-\ufffd-key';
  const keyWrite = await settle(store.set(lone, record(null)));
  if (keyWrite.ok) {
    const other = await settle(store.get(replaced));
    if (!other.ok || other.value !== null) {
      problems.push(
        `${subject.name}: set(${JSON.stringify(lone)}) is readable as get(${JSON.stringify(replaced)})`,
      );
    }
    await store.destroy(lone).catch(() => undefined);
  } else if (!isSessionError(keyWrite.error, 'SESSION_STORE_ERROR')) {
    problems.push(`${subject.name}: set with a lone surrogate rejected with ${String(keyWrite.error)}`);
  }
  const ownerWrite = await settle(store.set('lone-owner-session', record('owner-\ud800')));
  if (ownerWrite.ok) {
    const listed = await settle(store.listByOwner('owner-\ufffd'));
    if (!listed.ok || listed.value.length > 0) {
      problems.push(
        `${subject.name}: a session of owner "owner-\\ud800" is listed for owner "owner-\\ufffd"`,
      );
    }
    const own = await settle(store.listByOwner('owner-\ud800'));
    if (!own.ok || own.value.map((e) => e.key).join() !== 'lone-owner-session') {
      problems.push(`${subject.name}: listByOwner("owner-\\ud800") does not return its own session exactly`);
    }
    await store.destroy('lone-owner-session').catch(() => undefined);
  }
  return problems;
}
