/**
 * Which Cookie header an App Router session loads from, and what the read-only view of
 * server components allows. The behaviour inside Next.js is tested over HTTP in next-suite.ts.
 */
import { createMemoryStore, createSessionManager } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { readonlyView } from '../src/readonly-session';
import { sessionCookieHeader } from '../src/request-cookie';

describe('sessionCookieHeader', () => {
  test('the request header, with every cookie of the name, while cookies() agrees with it', () => {
    const header = 'sid=a.1; theme=dark; sid=b.2';
    expect(sessionCookieHeader('sid', { header, current: 'b.2' })).toBe(header);
    expect(sessionCookieHeader('sid', { header, current: undefined })).toBe(header);
    expect(sessionCookieHeader('sid', { header: null, current: undefined })).toBeNull();
  });

  test('the value a server action set earlier in the request, once cookies() holds one the header lacks', () => {
    expect(sessionCookieHeader('sid', { header: 'sid=old.1', current: 'new.2' })).toBe('sid=new.2');
    expect(sessionCookieHeader('sid', { header: null, current: 'first.3' })).toBe('sid=first.3');
    expect(sessionCookieHeader('sid', { header: 'x=1', current: 'a b' })).toBe('sid=a%20b');
  });

  test('no cookie once a server action cleared it (a destroyed session)', () => {
    expect(sessionCookieHeader('sid', { header: 'sid=old.1', current: '' })).toBeNull();
  });
});

describe('the read-only view of server components', () => {
  const manager = createSessionManager({
    store: createMemoryStore(),
    secrets: ['request-cookie-test-secret-0123456789abc'],
  });

  async function withFlash() {
    const writer = await manager.load(null);
    writer.set('user', 'ada');
    writer.flash('notice', 'hello');
    const cookie = (await manager.commit(writer)) ?? '';
    return cookie.split(';')[0];
  }

  test('peekFlash reads a flash as often as asked and never consumes it in the store', async () => {
    const cookie = await withFlash();
    const view = readonlyView(await manager.load(cookie));
    expect(view.peekFlash('notice')).toBe('hello');
    expect(view.peekFlash('notice')).toBe('hello');
    expect(view.peekFlash('other')).toBeUndefined();
    expect(readonlyView(await manager.load(cookie)).peekFlash('notice')).toBe('hello');
  });

  test('every mutating method throws a SessionStateError; properties follow the session', async () => {
    const cookie = await withFlash();
    const session = await manager.load(cookie);
    const view = readonlyView(session) as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const method of [
      'set',
      'unset',
      'update',
      'flash',
      'getFlash',
      'setOwner',
      'regenerate',
      'destroy',
    ]) {
      expect(() => view[method]?.('user', 'x'), method).toThrow(
        expect.objectContaining({ code: 'SESSION_STATE_INVALID' }),
      );
    }
    expect(readonlyView(session)).toMatchObject({ id: session.id, isNew: false, ownerId: null });
    expect(readonlyView(session).get('user')).toBe('ada');
    expect(Object.isFrozen(view)).toBe(true);
  });
});
