/**
 * Runs createStoreFromConfig up to the point where it would connect: every store's real
 * descriptor parses and checks the configuration, and its `open` is replaced by one that hands
 * the resolved configuration back instead. Nothing connects and no package is loaded by name.
 */
import {
  createStoreFromConfig,
  isSessionError,
  memoryStoreDescriptor,
  type StoreConfigSource,
  type StoreDescriptor,
} from '@sessionkit/core';
import { storeDescriptor as file } from '@sessionkit/file';
import { storeDescriptor as mongodb } from '@sessionkit/mongodb';
import { storeDescriptor as mssql } from '@sessionkit/mssql';
import { storeDescriptor as mysql } from '@sessionkit/mysql';
import { storeDescriptor as postgres } from '@sessionkit/postgres';
import { storeDescriptor as redis } from '@sessionkit/redis';
import { expect } from 'vitest';

export const DESCRIPTORS = [
  memoryStoreDescriptor,
  file,
  redis,
  mysql,
  postgres,
  mssql,
  mongodb,
] as StoreDescriptor[];

class Resolved {
  constructor(
    readonly config: unknown,
    readonly description: string,
  ) {}
}

const capturing: StoreDescriptor[] = DESCRIPTORS.map((descriptor) => ({
  ...descriptor,
  open: async (config) => {
    throw new Resolved(config, descriptor.describe(config));
  },
}));

const noImport = async () => {
  throw new Error('a store package was loaded by name');
};

/** The resolved configuration and description, or the error the configuration fails with. */
export async function resolveConfig(
  source: StoreConfigSource,
): Promise<{ config: unknown; description: string } | { error: unknown }> {
  try {
    await createStoreFromConfig(source, { stores: capturing, importModule: noImport, env: {} });
  } catch (error) {
    // createStoreFromConfig wraps what open() throws, keeping it as the cause.
    const found = [error, (error as { cause?: unknown }).cause].find((e) => e instanceof Resolved);
    if (found instanceof Resolved) return { config: found.config, description: found.description };
    return { error };
  }
  throw new Error('unreachable: open always throws');
}

/** The resolved configuration; fails the test if it was refused. */
export async function resolved(source: StoreConfigSource): Promise<unknown> {
  const outcome = await resolveConfig(source);
  if ('error' in outcome) throw outcome.error;
  return outcome.config;
}

/** The SessionConfigError a configuration is refused with. */
export async function refused(source: StoreConfigSource): Promise<Error> {
  const outcome = await resolveConfig(source);
  expect('error' in outcome, `expected ${JSON.stringify(source)} to be refused`).toBe(true);
  const { error } = outcome as { error: unknown };
  expect(isSessionError(error, 'SESSION_CONFIG_INVALID'), String(error)).toBe(true);
  return error as Error;
}
