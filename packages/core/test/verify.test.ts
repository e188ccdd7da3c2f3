import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createMemoryStore,
  createSessionManager,
  formatVerifyReport,
  isSessionError,
  SessionConfigError,
  type SessionStore,
  SessionVerifyError,
  Verification,
  type VerifyOptions,
} from '../src/index';
import { SECRET } from './helpers';

/**
 * A real memory store whose verify() fails while `broken` is set, the way a store with a missing
 * table does, and records the options it was called with.
 */
function storeWithVerify() {
  const inner = createMemoryStore();
  const state = { broken: true, calls: [] as VerifyOptions[] };
  const store: SessionStore = {
    ...inner,
    capabilities: inner.capabilities,
    async verify(options) {
      state.calls.push(options ?? {});
      const v = new Verification('Test store on sessions', options);
      v.ok('reachable', 'the server answered');
      if (state.broken)
        v.problem('schema', 'column sk_version is missing', 'ALTER TABLE t ADD COLUMN sk_version BIGINT');
      return v.finish();
    },
  };
  return { store, state };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Verification and SessionVerifyError', () => {
  it('lists every problem with its fix, keeps warnings out of the failure and nothing secret in the report', () => {
    const v = new Verification('Test store');
    v.ok('reachable', 'the server answered');
    v.problem('credentials', 'refused for postgres://app:hunter2@db/app', 'check the password');
    v.warning('expiry', 'no prune timer', 'run prune()');
    v.problem('schema', 'table sessions is missing', 'sessionkit schema postgres --apply');
    let error: unknown;
    try {
      v.finish();
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(SessionVerifyError);
    expect(isSessionError(error, 'SESSION_VERIFY_FAILED')).toBe(true);
    const failure = error as SessionVerifyError;
    expect(failure.problems.map((p) => p.check)).toEqual(['credentials', 'schema']);
    expect(failure.message).toContain('Test store failed verification (2 problems)');
    expect(failure.message).toContain(
      '- [schema] table sessions is missing. Fix: sessionkit schema postgres --apply',
    );
    expect(JSON.stringify(failure.report)).not.toContain('hunter2');
    expect(formatVerifyReport(failure.report)).toContain('PROBLEM [credentials]');
  });

  it('computes the skew from the midpoint of the round trip', () => {
    const v = new Verification('Test store', { maxClockSkew: 1_000 });
    v.clock(10_500, 9_000, 10_000, 'sessions end early');
    expect(v.finish().clockSkewMs).toBe(1_000);
    const late = new Verification('Test store', { maxClockSkew: 999 });
    late.clock(10_500, 9_000, 10_000, 'sessions end early');
    expect(() => late.finish()).toThrow(
      /1000 ms ahead of the app's, more than maxClockSkew \(999 ms\); sessions end early/,
    );
  });

  it('reports a round trip that does not answer within the timeout', async () => {
    const v = new Verification('Test store', { timeout: 20 });
    const result = await v.attempt(() => new Promise(() => {}));
    expect(result.ok).toBe(false);
    if (!result.ok) v.unreachable(result.error, 'check the server');
    expect(() => v.finish()).toThrow('the server did not answer within 20 ms');
  });
});

describe('manager.verify()', () => {
  it('checks the memory store and the options, with no probe record left', async () => {
    const store = createMemoryStore();
    const manager = createSessionManager({ store, secrets: SECRET, verifyOnStart: 'off' });
    const report = await manager.verify();
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => check.check)).toEqual([
      'reachable',
      'write',
      'expiry',
      'clock',
      'options',
    ]);
    expect(await store.count()).toBe(0);
  });

  it('says so for a store that declares no verify(), and still checks the options', async () => {
    const inner = createMemoryStore();
    const store: SessionStore = {
      capabilities: { ...inner.capabilities, verify: false, nativeExpiry: false, prune: false },
      get: (key) => inner.get(key),
      set: (key, record, options) => inner.set(key, record, options),
      touch: (key, at) => inner.touch(key, at),
      destroy: (key) => inner.destroy(key),
    };
    const report = await createSessionManager({ store, secrets: SECRET, verifyOnStart: 'off' }).verify();
    expect(report.checks[0]).toMatchObject({ check: 'reachable', status: 'skipped' });
    expect(report.checks.find((check) => check.check === 'expiry')?.status).toBe('warning');
  });

  it("passes the manager's storeTimeout and clock to the store", async () => {
    const { store, state } = storeWithVerify();
    state.broken = false;
    const clock = () => 42;
    await createSessionManager({
      store,
      secrets: SECRET,
      storeTimeout: 1234,
      clock,
      verifyOnStart: 'off',
    }).verify();
    expect(state.calls[0]).toMatchObject({ timeout: 1234, clock });
  });
});

describe('verifyOnStart', () => {
  it("defaults to 'warn': reports the problem once through the verify hook and serves requests", async () => {
    const { store } = storeWithVerify();
    const seen: unknown[] = [];
    const manager = createSessionManager({
      store,
      secrets: SECRET,
      hooks: { verify: (event) => seen.push(event) },
    });
    expect(manager.options.verifyOnStart).toBe('warn');
    expect(await manager.ready).toBeNull();
    expect(seen).toHaveLength(1);
    expect((seen[0] as { error: SessionVerifyError }).error.problems[0]?.message).toBe(
      'column sk_version is missing',
    );
    const session = await manager.load(undefined);
    session.set('a', 1);
    expect(await manager.commit(session)).toMatch(/^sid=/);
  });

  it("'warn' without a hook writes the problem to console.warn", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { store } = storeWithVerify();
    await createSessionManager({ store, secrets: SECRET }).ready;
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain(
      '[schema] column sk_version is missing. Fix: ALTER TABLE',
    );
  });

  it("'fail' rejects ready, load and commit with the verify error until a verification passes", async () => {
    const { store, state } = storeWithVerify();
    const manager = createSessionManager({
      store,
      secrets: SECRET,
      verifyOnStart: 'fail',
      hooks: { verify: () => {} },
    });
    await expect(manager.ready).rejects.toSatisfy((error) => isSessionError(error, 'SESSION_VERIFY_FAILED'));
    await expect(manager.load(undefined)).rejects.toThrow(/column sk_version is missing/);
    expect(state.calls).toHaveLength(2);
    // The table is fixed: the next call verifies again and goes through.
    state.broken = false;
    const session = await manager.load(undefined);
    session.set('a', 1);
    expect(await manager.commit(session)).toMatch(/^sid=/);
    expect(state.calls).toHaveLength(3);
    // Passed: the prototype's methods serve requests again, with no gate in front.
    expect(Object.hasOwn(manager, 'load')).toBe(false);
    expect(Object.hasOwn(manager, 'commit')).toBe(false);
  });

  it("'fail' on a good store resolves ready with the report and removes the gate", async () => {
    const { store, state } = storeWithVerify();
    state.broken = false;
    const manager = createSessionManager({ store, secrets: SECRET, verifyOnStart: 'fail' });
    expect((await manager.ready)?.ok).toBe(true);
    expect(Object.hasOwn(manager, 'load')).toBe(false);
  });

  it("'off' runs nothing", async () => {
    const { store, state } = storeWithVerify();
    const manager = createSessionManager({ store, secrets: SECRET, verifyOnStart: 'off' });
    expect(await manager.ready).toBeNull();
    expect(state.calls).toHaveLength(0);
  });

  it('rejects an unknown policy at construction', () => {
    expect(() =>
      createSessionManager({ store: createMemoryStore(), secrets: SECRET, verifyOnStart: 'yes' as never }),
    ).toThrow(SessionConfigError);
  });
});
