import {
  isSessionError,
  type SessionStore,
  SessionVerifyError,
  type VerifyOptions,
  type VerifyReport,
} from '@sessionkit/core';

/**
 * The tier's `verify()`: the memory tier in front has nothing to check, so it is the persistent
 * store's own verify, under a name that says which layer it came through. Declared only when the
 * persistent store declares verify.
 */
export async function verifyTier(store: SessionStore, options?: VerifyOptions): Promise<VerifyReport> {
  const rename = (report: VerifyReport): VerifyReport => ({
    ...report,
    store: `Persistent tier over ${report.store}`,
  });
  try {
    return rename(await (store.verify as NonNullable<SessionStore['verify']>).call(store, options));
  } catch (error) {
    if (isSessionError(error, 'SESSION_VERIFY_FAILED')) {
      throw new SessionVerifyError(rename((error as SessionVerifyError).report));
    }
    throw error;
  }
}
