/**
 * `manager.verify()` and the `verifyOnStart` policy. Kept out of manager.ts so that the per-request
 * path is untouched: with 'warn' and 'off' nothing wraps load or commit; with 'fail' they are
 * shadowed on the instance until verification passes, and the shadows are then removed.
 */
import { isSessionError, SessionConfigError, SessionVerifyError } from '../errors';
import { describeError } from '../store/store-errors';
import { Verification, type VerifyCheck, type VerifyOptions, type VerifyReport } from '../store/verify';
import type { ResolvedOptions } from './options';

/**
 * When the manager verifies its store:
 * - `'warn'`: at creation, in the background; problems (and warnings) are reported once through
 *   the `verify` hook, or `console.warn` without one. Requests are served either way.
 * - `'fail'`: at creation; `manager.ready` rejects with the `SessionVerifyError`, and so do
 *   `load` and `commit` until a verification passes (each call after a failure runs it again,
 *   one run at a time, so a database that comes up later is picked up).
 * - `'off'`: never; call `manager.verify()` yourself.
 */
export type VerifyOnStart = 'fail' | 'warn' | 'off';

/** Validates `verifyOnStart`. */
export function resolveVerifyOnStart(value: unknown): VerifyOnStart {
  if (value === undefined) return 'warn';
  if (value === 'fail' || value === 'warn' || value === 'off') return value;
  throw new SessionConfigError(
    `verifyOnStart must be 'fail', 'warn' or 'off', not ${JSON.stringify(value)}; the default is 'warn'.`,
  );
}

/**
 * The store's own verification, when it declares one, plus the checks of the manager's options
 * against the store's declared capabilities. Resolves the merged report, or rejects with one
 * SessionVerifyError listing every problem.
 */
export async function verifyManager(
  options: ResolvedOptions,
  given: VerifyOptions = {},
): Promise<VerifyReport> {
  const { store } = options;
  const verifyOptions: VerifyOptions = { timeout: options.storeTimeout, clock: options.clock, ...given };
  let storeReport: VerifyReport | null = null;
  const v = new Verification('Session store', verifyOptions);
  if (store.capabilities.verify === true && typeof store.verify === 'function') {
    try {
      storeReport = await store.verify(verifyOptions);
    } catch (error) {
      if (error instanceof SessionVerifyError || isSessionError(error, 'SESSION_VERIFY_FAILED')) {
        storeReport = (error as SessionVerifyError).report;
      } else {
        v.problem(
          'reachable',
          `the store's verify() failed: ${describeError(error)}`,
          'check the store configuration',
        );
      }
    }
  } else {
    v.skipped(
      'reachable',
      'the store declares no verify() (capabilities.verify): its connection, schema and permissions were not checked',
    );
  }
  checkOptions(options, v);
  let own: VerifyReport;
  try {
    own = v.finish();
  } catch (error) {
    own = (error as SessionVerifyError).report;
  }
  const checks: VerifyCheck[] = [...(storeReport?.checks ?? []), ...own.checks];
  const report: VerifyReport = {
    store: storeReport?.store ?? own.store,
    ok: checks.every((check) => check.status !== 'problem'),
    checks,
    clockSkewMs: storeReport?.clockSkewMs ?? null,
  };
  if (!report.ok) throw new SessionVerifyError(report);
  return report;
}

/** What the manager's options need from the store, against what the store declares. */
function checkOptions(options: ResolvedOptions, v: Verification): void {
  const caps = options.store.capabilities;
  if (!caps.nativeExpiry && !caps.prune) {
    v.warning(
      'expiry',
      'the store declares neither native expiry nor prune(): expired sessions are never read, but stay stored',
      'use a store with native expiry or a prune() and run it regularly',
    );
  }
  if (!caps.listByOwner || !caps.destroyByOwner) {
    // Not a warning: most apps never list or revoke by owner, and would be told at every start.
    v.ok(
      'options',
      'the store has no owner index: listSessions() and revokeSessions() will refuse (map an owner column to use them)',
    );
  } else {
    v.ok('options', 'the manager options fit the store capabilities');
  }
}

/** What the manager keeps of its startup verification. */
export interface Startup {
  /** Resolves the report, or null with 'off'; rejects (with 'fail' only) with the SessionVerifyError. */
  ready: Promise<VerifyReport | null>;
}

type Gated = { load: (...args: never[]) => unknown; commit: (...args: never[]) => unknown };

/**
 * Starts the startup verification of a manager under its policy. With 'fail', `load` and `commit`
 * are shadowed on the instance until a verification passes.
 */
export function startVerification(manager: Gated, options: ResolvedOptions, policy: VerifyOnStart): Startup {
  if (policy === 'off') return { ready: Promise.resolve(null) };
  const run = (): Promise<VerifyReport> =>
    verifyManager(options).then(
      (report) => {
        announce(options, report, null);
        return report;
      },
      (error: unknown) => {
        announce(options, error instanceof SessionVerifyError ? error.report : null, error);
        throw error;
      },
    );
  if (policy === 'warn') {
    // Never rejects: 'warn' reports and serves.
    return { ready: run().catch(() => null) };
  }
  const instance = manager as unknown as Record<string, unknown>;
  const proto = { load: manager.load, commit: manager.commit };
  let passed = false;
  let failed = false;
  const track = (promise: Promise<VerifyReport>): Promise<VerifyReport> => {
    promise.then(
      () => {
        passed = true;
        // Passed: the prototype's methods serve every later call directly.
        delete instance.load;
        delete instance.commit;
      },
      () => {
        failed = true;
      },
    );
    return promise;
  };
  let current = track(run());
  const gate = async (): Promise<void> => {
    if (passed) return;
    if (failed) {
      failed = false;
      current = track(run());
    }
    await current;
  };
  instance.load = async (...args: never[]) => {
    await gate();
    return (proto.load as (...a: never[]) => unknown).apply(manager, args);
  };
  instance.commit = async (...args: never[]) => {
    await gate();
    return (proto.commit as (...a: never[]) => unknown).apply(manager, args);
  };
  const ready = current;
  // Handled here so that an app that never awaits `ready` does not crash on an unhandled rejection.
  ready.catch(() => undefined);
  return { ready };
}

/** Reports the outcome once: through the `verify` hook, or on the console when something is wrong. */
function announce(options: ResolvedOptions, result: VerifyReport | null, error: unknown): void {
  const hook = options.hooks.verify;
  const verifyError = error instanceof SessionVerifyError ? error : null;
  if (hook) {
    try {
      hook({ report: result, error: verifyError ?? (error === null ? null : toVerifyError(error)) });
    } catch (thrown) {
      console.error('[sessionkit] the verify hook threw; the app continues.', thrown);
    }
    return;
  }
  if (error !== null) {
    console.warn(`[sessionkit] ${verifyError?.message ?? describeError(error)}`);
    return;
  }
  const warnings = result?.checks.filter((check) => check.status === 'warning') ?? [];
  if (warnings.length > 0) {
    console.warn(
      `[sessionkit] ${result?.store} verified with warnings:\n${warnings.map((w) => `- [${w.check}] ${w.message}. Fix: ${w.fix}`).join('\n')}`,
    );
  }
}

function toVerifyError(error: unknown): SessionVerifyError {
  return new SessionVerifyError({
    store: 'Session store',
    ok: false,
    checks: [
      {
        check: 'reachable',
        status: 'problem',
        message: describeError(error),
        fix: 'check the store configuration',
      },
    ],
    clockSkewMs: null,
  });
}
