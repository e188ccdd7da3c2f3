import { rm } from 'node:fs/promises';
import { isSessionError, type SessionVerifyError } from '@sessionkit/core';
import { createFileStore } from '@sessionkit/file';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createTieredStore } from '../src/index';
import { freshDir } from './helpers';

describe('tiered store verify()', () => {
  test("is the persistent store's verify, named through the tier", async () => {
    const directory = await freshDir();
    const persistent = createFileStore({ directory });
    const tier = createTieredStore({ store: persistent });
    onTestFinished(async () => {
      await tier.close();
      await persistent.close();
    });
    expect(tier.capabilities.verify).toBe(true);
    const report = await tier.verify!();
    expect(report.ok).toBe(true);
    expect(report.store).toBe(`Persistent tier over File store in ${directory}`);
  });

  test("rejects with the persistent store's problems", async () => {
    const directory = await freshDir();
    const persistent = createFileStore({ directory, pruneInterval: 0 });
    const tier = createTieredStore({ store: persistent });
    onTestFinished(async () => {
      await tier.close();
      await persistent.close();
    });
    await rm(directory, { recursive: true });
    const error = await tier.verify!().catch((failure: unknown) => failure);
    expect(isSessionError(error, 'SESSION_VERIFY_FAILED')).toBe(true);
    expect((error as SessionVerifyError).message).toMatch(
      /^Persistent tier over File store in .* failed verification \(1 problem\)/,
    );
  });
});
