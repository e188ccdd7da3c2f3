/**
 * `verify()` of the file store: the directory is there and is one, a probe record goes through
 * the store's own write path (permissions, a read-only mount, a full disk show up there), the
 * clock of whatever machine stamps the files (the NFS server, for a shared directory) agrees with
 * the app's, and a prune timer is running.
 */
import { randomBytes } from 'node:crypto';
import { stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type SessionStore, Verification, type VerifyOptions, type VerifyReport } from '@sessionkit/core';

/** What {@link verifyFileStore} needs of the store. */
export interface FileVerifyTarget {
  directory: string;
  pruneInterval: number;
  store: Pick<SessionStore, 'set' | 'get' | 'destroy'>;
}

function codeOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('E')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export async function verifyFileStore(
  target: FileVerifyTarget,
  options?: VerifyOptions,
): Promise<VerifyReport> {
  const { directory } = target;
  const v = new Verification(`File store in ${directory}`, options);
  const found = await v.attempt(() => stat(directory));
  if (!found.ok || !found.value.isDirectory()) {
    if (!found.ok && v.isTimeout(found.error)) {
      v.unreachable(found.error, 'check the mount of the directory (an NFS server that does not answer)');
    } else {
      v.ok('reachable', 'the file system answered');
      v.problem(
        'schema',
        found.ok ? `${directory} is not a directory` : `the directory ${directory} does not exist`,
        `create it (mkdir -p ${directory}) with write access for the app's user, or fix the directory option`,
      );
    }
    v.skipped('write', 'not checked: the directory is missing');
    return v.finish();
  }
  v.ok('reachable', 'the file system answered');
  v.skipped('credentials', 'a directory has no credentials: the write probe checks the permissions');
  v.ok('schema', `${directory} exists`);
  await v.writeProbe(target.store, (error) => {
    const code = codeOf(error);
    return code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? {
          message: `the app may not write to ${directory} (${code})`,
          fix: `give the app's user write access to ${directory} (and a writable mount)`,
        }
      : null;
  });
  if (!v.failed('write')) await checkClock(v, directory);
  v.pruneTimer(target.pruneInterval, 'files');
  return v.finish();
}

/**
 * The clock that stamps files in the directory (the file server's, over NFS) against the app's:
 * lock staleness is judged by file times, so a skew breaks live locks or keeps stale ones.
 */
async function checkClock(v: Verification, directory: string): Promise<void> {
  const probe = join(directory, `.sessionkit-verify-${randomBytes(6).toString('hex')}`);
  const { clock } = v.options;
  const sentAt = clock();
  const stamped = await v.attempt(async () => {
    await writeFile(probe, '');
    return (await stat(probe)).mtimeMs;
  });
  const receivedAt = clock();
  await unlink(probe).catch(() => undefined);
  if (!stamped.ok) {
    v.skipped('clock', 'the file time could not be read');
    return;
  }
  v.clock(
    stamped.value,
    sentAt,
    receivedAt,
    'locks are judged stale by file times, so a live lock may be broken or a stale one kept too long',
  );
}
