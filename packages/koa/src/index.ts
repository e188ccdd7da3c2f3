export { createSessionMiddleware, type ManagerOrOptions, type SessionContext } from './middleware';
