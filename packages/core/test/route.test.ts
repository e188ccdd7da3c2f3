import { describe, expect, test } from 'vitest';
import { SessionConfigError } from '../src/errors';
import { createSessionManager } from '../src/session/manager';
import { createMemoryStore } from '../src/store/memory-store';
import { cookiePair, SECRET } from './helpers';

function nodes(rebindRoute?: (from: string | null) => boolean) {
  const store = createMemoryStore();
  const a = createSessionManager<{ n: number }>({ store, secrets: [SECRET], route: 'node1' });
  const b = createSessionManager<{ n: number }>({ store, secrets: [SECRET], route: 'node2', rebindRoute });
  return { store, a, b };
}

describe('route affinity', () => {
  test('new IDs carry the route suffix, and regenerate keeps it', async () => {
    const { a } = nodes();
    const session = await a.load(null);
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{32}\.node1$/);
    session.regenerate();
    expect(session.id).toMatch(/\.node1$/);
  });

  test('preemptive (default): another node rebinds the route with a new cookie, same record', async () => {
    const { store, a, b } = nodes();
    const first = await a.load(null);
    first.set('n', 1);
    const pairA = cookiePair(await a.commit(first));

    const moved = await b.load(pairA);
    expect(moved.get('n')).toBe(1);
    expect(moved.id).toBe(first.id.replace('.node1', '.node2'));
    const setCookie = await b.commit(moved);
    expect(setCookie).not.toBeNull();

    const again = await b.load(cookiePair(setCookie));
    expect(again.get('n')).toBe(1);
    expect(await b.commit(again)).toBeNull(); // already on node2: nothing to send
    expect(await store.count()).toBe(1); // moved, not duplicated
  });

  test('policy none: the route is kept and nothing is sent', async () => {
    const { a, b } = nodes(() => false);
    const first = await a.load(null);
    first.set('n', 1);
    const pairA = cookiePair(await a.commit(first));
    const seen = await b.load(pairA);
    expect(seen.id).toBe(first.id);
    expect(await b.commit(seen)).toBeNull();
  });

  test('the policy learns where the session came from', async () => {
    const seen: Array<string | null> = [];
    const { a, b } = nodes((from) => {
      seen.push(from);
      return false;
    });
    const first = await a.load(null);
    first.set('n', 1);
    await b.load(cookiePair(await a.commit(first)));
    expect(seen).toEqual(['node1']);
  });

  test('an invalid route fails at construction', () => {
    expect(() =>
      createSessionManager({ store: createMemoryStore(), secrets: [SECRET], route: 'a.b' }),
    ).toThrow(SessionConfigError);
  });
});
