export { type FastifySessionData, type FastifySessionOptions, sessionPlugin } from './plugin';
