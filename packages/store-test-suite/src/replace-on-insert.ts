/**
 * `set(key, record, { replaces })`: the login's insert, which also deletes the session it
 * replaces (capabilities.replaceOnInsert). The insert must behave exactly as a plain one, and the
 * old record must go only once the new one is in, owner index included.
 */
import type { SessionStore } from '@sessionkit/core';
import { describe, expect } from 'vitest';
import {
  expectRaw,
  expectSessionError,
  expectStored,
  expiredAt,
  type Fixture,
  type Suite,
  sorted,
  storeTest,
} from './harness';
import { randomKey, record, textBytes } from './helpers';
import { ownedKeys } from './owner-index';

/** Owner before and after a login: anonymous to signed in, re-login, another user, signing out. */
const OWNER_MOVES = [
  [null, 'alice'],
  ['alice', 'alice'],
  ['alice', 'bob'],
  ['alice', null],
] as const;

/** listByOwner lists exactly `keys` for `ownerId` (nothing to check when the store cannot list). */
async function expectListed(store: SessionStore, ownerId: string, keys: string[], what: string) {
  if (store.capabilities.listByOwner) expect(await ownedKeys(store, ownerId), what).toEqual(sorted(keys));
}

/** The record under `oldKey` is gone from every view: get, the backend, the owner index. */
async function expectGone(
  { store, raw }: Pick<Fixture, 'store' | 'raw'>,
  oldKey: string,
  owner: string | null,
) {
  expect(await store.get(oldKey), 'get of the replaced key').toBeNull();
  expect(await raw.read(oldKey), 'raw record of the replaced key').toBeNull();
  if (owner !== null && store.capabilities.listByOwner) {
    expect(await ownedKeys(store, owner), `${owner}'s sessions`).not.toContain(oldKey);
  }
}

/** The replacing insert of a login, for stores that declare `replaceOnInsert`. */
export function replaceOnInsertTests(suite: Suite): void {
  describe('insert replacing another record (replaceOnInsert)', () => {
    storeTest(
      suite,
      'writes the new record and deletes the old one, moving it in the owner index',
      async ({ store, raw, resolution }) => {
        for (const [before, after] of OWNER_MOVES) {
          const when = `(owner ${before} → ${after})`;
          const oldKey = randomKey();
          const newKey = randomKey();
          await store.set(oldKey, record({ ownerId: before }));
          const written = record({ ownerId: after, payload: textBytes(`after ${when}`) });
          await store.set(newKey, written, { replaces: oldKey });
          await expectStored({ store, raw, resolution }, newKey, written, when);
          await expectGone({ store, raw }, oldKey, before);
          if (after !== null) await expectListed(store, after, [newKey], `${after}'s sessions ${when}`);
          expect(await raw.list(), `raw.list() ${when}: only the new record`).toHaveLength(1);
          await store.destroy(newKey);
        }
      },
      { requires: ['replaceOnInsert'] },
    );

    storeTest(
      suite,
      'destroyByOwner no longer finds the replaced record',
      async ({ store, raw }) => {
        const oldKey = randomKey();
        const newKey = randomKey();
        await store.set(oldKey, record({ ownerId: 'alice' }));
        await store.set(newKey, record({ ownerId: 'bob' }), { replaces: oldKey });
        expect(await store.destroyByOwner!('alice'), "destroyByOwner('alice')").toBe(0);
        expect(await store.destroyByOwner!('bob'), "destroyByOwner('bob')").toBe(1);
        expect(await raw.list(), 'raw.list()').toEqual([]);
      },
      { requires: ['replaceOnInsert', 'destroyByOwner'] },
    );

    storeTest(
      suite,
      'an insert that conflicts with a live record deletes nothing',
      async ({ store, raw, resolution }) => {
        const oldKey = randomKey();
        const newKey = randomKey();
        const old = record({ ownerId: 'alice' });
        const holder = record({ ownerId: 'bob' });
        await store.set(oldKey, old);
        await store.set(newKey, holder);
        await expectSessionError(
          store.set(newKey, record({ ownerId: 'carol' }), { replaces: oldKey }),
          'SESSION_CONFLICT',
          'the replacing insert over a live record',
        );
        await expectStored({ store, raw, resolution }, oldKey, old, 'of the old key');
        await expectRaw(raw, newKey, holder, resolution, 'the record that held the new key');
        await expectListed(store, 'alice', [oldKey], "alice's sessions");
        await expectListed(store, 'bob', [newKey], "bob's sessions");
        await expectListed(store, 'carol', [], "carol's sessions");
      },
      { requires: ['replaceOnInsert'] },
    );

    storeTest(
      suite,
      'replacing a key that holds nothing is a plain insert',
      async ({ store, raw, resolution }) => {
        const newKey = randomKey();
        const written = record({ ownerId: 'alice' });
        await store.set(newKey, written, { replaces: randomKey() });
        await expectStored({ store, raw, resolution }, newKey, written);
        expect(await raw.list(), 'raw.list()').toHaveLength(1);
        await expectListed(store, 'alice', [newKey], "alice's sessions");
      },
      { requires: ['replaceOnInsert'] },
    );

    storeTest(
      suite,
      'an expired or corrupt record is replaced too, and an expired one under the new key is overwritten',
      async ({ store, raw, rawWriter, resolution }) => {
        const expiredKey = randomKey();
        const newKey = randomKey();
        await store.set(expiredKey, record({ ownerId: 'alice', expiresAt: expiredAt(resolution) }));
        await store.set(newKey, record({ expiresAt: expiredAt(resolution) }));
        const written = record({ ownerId: 'alice' });
        await store.set(newKey, written, { replaces: expiredKey });
        await expectStored({ store, raw, resolution }, newKey, written, 'over the expired record');
        await expectGone({ store, raw }, expiredKey, 'alice');
        // Like destroy, whatever the backend holds under the old key goes.
        for (const corruption of rawWriter?.corruptions ?? []) {
          const corruptKey = randomKey();
          const next = randomKey();
          await store.set(corruptKey, record({ ownerId: 'alice' }));
          await rawWriter!.corrupt(corruptKey, corruption);
          await store.set(next, record(), { replaces: corruptKey });
          expect(await raw.list(), `raw.list() after replacing ${corruption}`).toHaveLength(2);
          await store.destroy(next);
        }
      },
      { requires: ['replaceOnInsert'] },
    );

    storeTest(
      suite,
      'never deletes a record of another isolated store under the replaced key',
      async ({ store, raw, another, resolution }) => {
        const other = await another();
        const theirsKey = randomKey();
        const theirs = record({ ownerId: 'alice' });
        await other.store.set(theirsKey, theirs);
        await store.set(randomKey(), record(), { replaces: theirsKey });
        await expectRaw(other.raw, theirsKey, theirs, resolution, "the other store's record");
        expect(await raw.list(), 'raw.list() of this store').toHaveLength(1);
      },
      { requires: ['replaceOnInsert'] },
    );

    storeTest(
      suite,
      'replaces is refused with a compare-and-set, which changes nothing',
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        const other = randomKey();
        const held = record();
        await store.set(key, held);
        await store.set(other, record());
        await expectSessionError(
          store.set(key, record({ version: 2 }), { expectedVersion: 1, replaces: other }),
          'SESSION_STORE_ERROR',
          'set with expectedVersion and replaces',
        );
        await expectStored({ store, raw, resolution }, key, held, 'after the refused call');
        expect(await raw.list(), 'raw.list(): both records are still there').toHaveLength(2);
      },
      { requires: ['replaceOnInsert'] },
    );
  });
}
