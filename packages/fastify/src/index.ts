export { type FastifySessionData, sessionPlugin } from './plugin';
