import { describe, expect, test, vi } from 'vitest';
import { isSessionError } from '../src/errors';
import { createSessionManager, SessionManager } from '../src/session/manager';
import { type SessionManagerInput, toSessionManager } from '../src/session/manager-input';
import { createMemoryStore } from '../src/store/memory-store';
import { SECRET } from './helpers';

const options = () => ({ store: createMemoryStore(), secrets: [SECRET] });

function configError(input: unknown): string {
  try {
    toSessionManager(input as SessionManagerInput);
  } catch (error) {
    expect(isSessionError(error, 'SESSION_CONFIG_INVALID')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a SessionConfigError');
}

describe('toSessionManager', () => {
  test('a manager comes back as it is, so a binding and the app share its conflict queue', () => {
    const manager = createSessionManager(options());
    expect(toSessionManager(manager)).toBe(manager);
  });

  test('a subclass of SessionManager is a manager too', () => {
    class Audited extends SessionManager {}
    const manager = new Audited(options());
    expect(toSessionManager(manager)).toBe(manager);
  });

  test('options create a new manager, with their settings', async () => {
    const manager = toSessionManager<{ n: number }>({ ...options(), cookie: { name: 'app' } });
    expect(manager).toBeInstanceOf(SessionManager);
    expect(manager.cookieName).toBe('app');
    const session = await manager.load(undefined);
    session.set('n', 1);
    expect(await manager.commit(session)).toMatch(/^app=/);
  });

  test('a manager from a second copy of core (the dual-package hazard) is recognised', async () => {
    vi.resetModules();
    const copy = await import('../src/session/manager');
    expect(copy.SessionManager).not.toBe(SessionManager);
    const foreign = copy.createSessionManager(options());
    expect(foreign instanceof SessionManager).toBe(false);
    expect(toSessionManager(foreign as unknown as SessionManager)).toBe(foreign);
  });

  test('invalid options fail as createSessionManager fails', () => {
    expect(configError({ store: createMemoryStore(), secrets: ['short'] })).toMatch(/secret/i);
    expect(configError({ store: {}, secrets: [SECRET] })).toMatch(/store must be a sessionkit store/);
  });

  test('input that is neither a manager nor options is a SessionConfigError that says what was given', () => {
    for (const input of [undefined, null, 'redis://localhost', 42]) {
      expect(configError(input)).toMatch(
        /^Expected a SessionManager \(from createSessionManager\) or its options/,
      );
    }
    expect(configError(undefined)).toContain('got undefined');
    expect(configError(null)).toContain('got null');
    expect(configError({})).toContain('got an empty object');
    // The old Fastify shape, and a look-alike that no createSessionManager built.
    expect(configError({ manager: createSessionManager(options()) })).toContain(
      'got an object with only manager. A manager goes in as it is',
    );
    expect(configError({ load: async () => null, commit: async () => null })).toContain(
      'got an object with only load, commit',
    );
  });
});
