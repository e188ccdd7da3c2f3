import {
  isSessionError,
  type SessionVerifyError,
  type VerifyCheck,
  type VerifyCheckName,
  type VerifyReport,
  type VerifyStatus,
} from '@sessionkit/core';

/**
 * The problems of a `verify()` that must fail: resolves `SessionVerifyError.problems`, and fails
 * the test when verify resolved or rejected with anything else. For a store's own verify tests.
 *
 * @example
 * const problems = await verifyProblems(store.verify!({ clock: () => Date.now() + 600_000 }));
 * expect(problems.map((p) => p.check)).toEqual(['clock']);
 */
export async function verifyProblems(run: Promise<unknown>): Promise<VerifyCheck[]> {
  const error = await run.then(
    () => {
      throw new Error('verify() resolved, but a problem was expected');
    },
    (failure: unknown) => failure,
  );
  if (!isSessionError(error, 'SESSION_VERIFY_FAILED')) throw error;
  return (error as SessionVerifyError).problems;
}

/**
 * The status of each check of a report, by check (`{ reachable: 'ok', write: 'problem', … }`),
 * for one `expect` over a whole report. Each check appears once in a store's report.
 */
export function verifyStatuses(report: VerifyReport): Partial<Record<VerifyCheckName, VerifyStatus>> {
  return Object.fromEntries(report.checks.map((check) => [check.check, check.status]));
}
