import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { mssqlReady, NOT_ONLINE_SQL, waitUntil } from '../src/readiness';

describe('waitUntil', () => {
  it('retries until the check passes', async () => {
    let calls = 0;
    await waitUntil(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('Login failed: recovery in progress');
      },
      { timeoutMs: 60_000, intervalMs: 1, what: 'a query' },
    );
    expect(calls).toBe(3);
  });

  it('gives up after the deadline with the last failure, after at least one attempt', async () => {
    let clock = 0;
    let calls = 0;
    const failure = await waitUntil(
      async () => {
        calls += 1;
        clock += 400;
        throw new Error(`not yet (${calls})`);
      },
      { timeoutMs: 1_000, intervalMs: 1, what: 'SQL Server to answer a query', now: () => clock },
    ).catch((error: unknown) => error as Error);
    expect(failure?.message).toBe(
      'gave up waiting for SQL Server to answer a query after 3 attempt(s) in 1000 ms: not yet (3)',
    );
  });
});

describe('mssqlReady', () => {
  it('asks for every database that is not online (recovery is not over before they all are)', () => {
    expect(NOT_ONLINE_SQL).toBe("SELECT name FROM sys.databases WHERE state_desc <> 'ONLINE'");
  });

  it('rejects with the driver reason when nothing answers (the real driver, no server)', async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    await new Promise<void>((done) => server.close(() => done()));
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    await expect(mssqlReady(`mssql://sa:pw@127.0.0.1:${address.port}/master`)).rejects.toThrow(
      /Failed to connect to 127\.0\.0\.1/,
    );
  }, 20_000);
});
