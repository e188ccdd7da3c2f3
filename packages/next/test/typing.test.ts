/**
 * The typed session data flows through every entry, and `createNextSessions` can be built outside
 * a request (it touches `cookies()` / `headers()` only when called).
 */
import { createMemoryStore, createSessionManager, type Session } from '@sessionkit/core';
import type { NextApiHandler } from 'next';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { createNextSessions, type ReadonlySession } from '../src/index';
import { createPagesSessions } from '../src/pages';

type Data = { userId: string; cart: string[] };
const secrets = ['typing-test-secret-0123456789abcdefghij'];

describe('typing the session data', () => {
  test('App Router: withSession keeps the wrapped signature, read() is a read-only view', () => {
    const sessions = createNextSessions<Data>({ store: createMemoryStore(), secrets });
    const GET = sessions.withSession(async (session, request: Request) => {
      expectTypeOf(session).toEqualTypeOf<Session<Data>>();
      expectTypeOf(session.get('cart')).toEqualTypeOf<string[] | undefined>();
      // @ts-expect-error: not a key of Data
      session.get('nope');
      return Response.json({ url: request.url });
    });
    expectTypeOf(GET).toEqualTypeOf<(request: Request) => Promise<Response>>();
    const action = sessions.withSession(
      (session, form: FormData) => session.get('userId') ?? String(form.get('x')),
    );
    expectTypeOf(action).toEqualTypeOf<(form: FormData) => Promise<string>>();
    expectTypeOf(sessions.read).returns.resolves.toEqualTypeOf<ReadonlySession<Data>>();
    expectTypeOf<ReadonlySession<Data>>().not.toHaveProperty('set');
    expectTypeOf<ReadonlySession<Data>>().not.toHaveProperty('getFlash');
    expectTypeOf<ReadonlySession<Data>['peekFlash']>().returns.toEqualTypeOf<unknown>();
    expect(typeof GET).toBe('function');
  });

  test('Pages router: withSession returns a NextApiHandler, and one manager can serve both routers', () => {
    const manager = createSessionManager<Data>({ store: createMemoryStore(), secrets });
    const pages = createPagesSessions(manager);
    const app = createNextSessions(manager);
    expect(pages.manager).toBe(manager);
    expect(app.manager).toBe(manager);
    const handler = pages.withSession<{ ok: boolean }>(async (session, _req, res) => {
      expectTypeOf(session.get('userId')).toEqualTypeOf<string | undefined>();
      res.json({ ok: true });
    });
    expectTypeOf(handler).toEqualTypeOf<NextApiHandler<{ ok: boolean }>>();
  });

  test('invalid options fail at construction with a SessionConfigError', () => {
    expect(() => createNextSessions({ store: createMemoryStore(), secrets: ['short'] })).toThrow(
      expect.objectContaining({ code: 'SESSION_CONFIG_INVALID' }),
    );
    expect(() => createPagesSessions({ store: createMemoryStore(), secrets: ['short'] })).toThrow(
      expect.objectContaining({ code: 'SESSION_CONFIG_INVALID' }),
    );
  });
});
