export { createSessionMiddleware, sessionOf } from './middleware';
