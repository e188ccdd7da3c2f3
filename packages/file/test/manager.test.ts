import { createSessionManager } from '@sessionkit/core';
import { afterEach, expect, test } from 'vitest';
import { createFileStore } from '../src/index';
import { tempDir } from './helpers';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function cookieOf(setCookie: string | null): string {
  expect(setCookie).toBeTypeOf('string');
  return (setCookie as string).split(';')[0] as string;
}

test('a SessionManager keeps sessions in the file store, across two store instances (two processes)', async () => {
  const { dir, remove } = await tempDir();
  cleanups.push(remove);
  const secrets = ['a-test-secret-that-is-at-least-32-characters-long'];
  const nodeA = createSessionManager({
    store: createFileStore({ directory: dir, pruneInterval: 0 }),
    secrets,
  });
  const nodeB = createSessionManager({
    store: createFileStore({ directory: dir, pruneInterval: 0 }),
    secrets,
  });

  const first = await nodeA.load();
  first.set('cart', ['apple']);
  first.setOwner('user-1');
  const cookie = cookieOf(await nodeA.commit(first));

  const onB = await nodeB.load(cookie);
  expect(onB.get('cart')).toEqual(['apple']);
  onB.set('cart', ['apple', 'pear']);
  await nodeB.commit(onB);

  expect((await nodeA.load(cookie)).get('cart')).toEqual(['apple', 'pear']);
  expect(await nodeA.listSessions('user-1')).toHaveLength(1);
  expect(await nodeB.revokeSessions('user-1')).toBe(1);
  expect((await nodeA.load(cookie)).get('cart')).toBeUndefined();
});
