import { describe, expect, test } from 'vitest';
import { SessionStateError } from '../src/errors';
import { createSessionManager } from '../src/session/manager';
import { createMemoryStore } from '../src/store/memory-store';
import { cookiePair, SECRET } from './helpers';

type Data = { a: number; b: string; list: number[]; save: string };

const manager = () => createSessionManager<Data>({ store: createMemoryStore(), secrets: [SECRET] });

describe('Session data API', () => {
  test('get / set / has / unset / toJSON, with read-your-writes inside the request', async () => {
    const session = await manager().load(null);
    expect(session.has('a')).toBe(false);
    session.set('a', 1);
    session.set('b', 'x');
    expect(session.get('a')).toBe(1);
    expect(session.has('a')).toBe(true);
    session.unset('a');
    expect(session.has('a')).toBe(false);
    expect(session.toJSON()).toEqual({ b: 'x' });
  });

  test('set(key, undefined) unsets', async () => {
    const session = await manager().load(null);
    session.set('b', 'x');
    session.set('b', undefined as unknown as string);
    expect(session.has('b')).toBe(false);
  });

  test('a user key named like a method never shadows it', async () => {
    const m = manager();
    const session = await m.load(null);
    session.set('save', 'kept');
    const again = await m.load(cookiePair(await m.commit(session)));
    expect(again.get('save')).toBe('kept');
    expect(typeof again.set).toBe('function');
  });

  test('update returns the new value and replays on conflict', async () => {
    const session = await manager().load(null);
    expect(session.update('a', (n = 0) => n + 5)).toBe(5);
    expect(session.update('list', (l = []) => [...l, 1])).toEqual([1]);
  });

  test('setOwner validates its input', async () => {
    const session = await manager().load(null);
    expect(() => session.setOwner('')).toThrow(TypeError);
    expect(() => session.setOwner('x'.repeat(257))).toThrow(TypeError);
    session.setOwner('user-1');
    expect(session.ownerId).toBe('user-1');
    session.setOwner(null);
    expect(session.ownerId).toBeNull();
  });

  test('keys must be non-empty strings', async () => {
    const session = await manager().load(null);
    expect(() => session.set('' as 'a', 1)).toThrow(TypeError);
  });

  test('a destroyed session refuses further changes', async () => {
    const session = await manager().load(null);
    session.destroy();
    expect(() => session.set('a', 1)).toThrow(SessionStateError);
    expect(() => session.regenerate()).toThrow(SessionStateError);
  });

  test('unset and flash consumption are persisted changes', async () => {
    const m = manager();
    const first = await m.load(null);
    first.set('a', 1);
    first.flash('msg', 'hi');
    const pair = cookiePair(await m.commit(first));
    const second = await m.load(pair);
    second.unset('a');
    await m.commit(second);
    const third = await m.load(pair);
    expect(third.has('a')).toBe(false);
    expect(third.getFlash('msg')).toBe('hi');
  });
});
