export { createNextSessions, type NextSessions, type ReadonlySession } from './app-router';
