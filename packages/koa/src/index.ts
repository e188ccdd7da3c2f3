export { createSessionMiddleware, type SessionContext } from './middleware';
