export { createNextSessions, type NextSessions, type ReadonlySession } from './app-router';
export type { SessionsInput } from './manager';
