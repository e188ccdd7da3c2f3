/**
 * Clients that hang up mid-request (a closed tab, a flaky network): the node must neither crash
 * nor leak, and every session must still read back inside its ledger window afterwards (an
 * aborted increment may or may not have been saved, never half of it).
 */
import { request } from 'node:http';
import { sleep } from '@sessionkit/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { type AppProcess, startApp } from '../src/app-process';
import { keepAliveAgent } from '../src/http-client';
import { SessionUser } from '../src/session-user';
import { SECRET } from './helpers';

let app: AppProcess | undefined;
afterAll(() => app?.stop());

/** POST /inc with the user's cookie, destroyed after `afterMs` (possibly before, during or after the commit). */
function abortedInc(base: string, cookie: string, afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${base}/inc`, { method: 'POST', headers: { cookie: `sid=${cookie}` } }, (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', () => resolve());
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    setTimeout(() => req.destroy(), afterMs);
    req.end();
  });
}

describe('clients that hang up mid-request', () => {
  test('1,000 aborted increments: the node stays up and every session stays consistent', async () => {
    app = await startApp({ node: 'aborts', store: { kind: 'memory' }, secrets: [SECRET] });
    const node = app;
    const agent = keepAliveAgent(24);
    const users = Array.from({ length: 20 }, (_, i) => new SessionUser(i));
    for (const user of users) await user.inc(node.url, { agent });
    for (let round = 0; round < 50; round++) {
      await Promise.all(
        users.map(async (user) => {
          await abortedInc(node.url, user.cookie as string, Math.random() * 4);
          // The aborted request may or may not have been saved: widen the ledger window by one.
          user.slack++;
        }),
      );
      // Interleave normal requests, which must keep working.
      for (const user of users.slice(0, 5))
        expect((await user.inc(node.url, { agent })).outcome).toBe('acked');
    }
    await sleep(200);
    for (const user of users) expect((await user.peek(node.url, { agent })).outcome).toBe('read');
    expect(users.flatMap((u) => u.losses)).toEqual([]);
    expect(users.reduce((sum, u) => sum + u.phantoms, 0)).toBe(0);
    expect(node.exit).toBeNull();
    agent.destroy();
  }, 120_000);
});
