import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { SessionConfigError, SessionStoreError } from '@sessionkit/core';

/*
 * Checks of what reaches the store. Core never passes anything else, but a store is also called
 * by third-party code; a wrong type must fail as a SessionStoreError, not as a TypeError deep in
 * the encoder (or, worse, be written). `set` arguments go through core's checkSetArguments.
 */

/** Creates the root (and checks access) at construction, so misconfiguration fails at startup. */
export function prepareRoot(directory: string, dirMode: number): void {
  try {
    const existing = statSync(directory, { throwIfNoEntry: false });
    if (!existing) mkdirSync(directory, { recursive: true, mode: dirMode });
    else if (!existing.isDirectory()) throw new Error('it exists and is not a directory');
    accessSync(directory, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new SessionConfigError(
      `createFileStore: cannot use ${directory} as the session directory (${detail}). ` +
        'Point `directory` at a folder this process can create, read and write.',
      { cause: error },
    );
  }
}

export function checkKey(key: unknown): string {
  if (typeof key !== 'string') {
    throw new SessionStoreError(`File store: keys must be strings (got ${typeof key}).`);
  }
  return key;
}

export function checkOwner(ownerId: unknown): string {
  if (typeof ownerId !== 'string') {
    throw new SessionStoreError(`File store: ownerId must be a string (got ${typeof ownerId}).`);
  }
  return ownerId;
}

export function checkExpiresAt(expiresAt: unknown, operation: string): void {
  // Infinity is allowed (an unlimited session); NaN would make the record neither live nor expired.
  if (typeof expiresAt !== 'number' || Number.isNaN(expiresAt)) {
    throw new SessionStoreError(
      `File store ${operation}: expiresAt must be a number (got ${String(expiresAt)}).`,
    );
  }
}
