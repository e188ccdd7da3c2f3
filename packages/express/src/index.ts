export { createSessionMiddleware, type ManagerOrOptions, sessionOf } from './middleware';
