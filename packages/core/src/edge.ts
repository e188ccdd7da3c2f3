// `@sessionkit/core/edge`: the store-free subset for edge runtimes (Next.js middleware, workers).
// It imports nothing that touches Node built-ins, not even lazily.
export { readCookieValues } from './cookie';
export { isSessionError, SessionConfigError, SessionError } from './errors';
export { isWellFormedSessionId } from './ids';
export { MIN_SECRET_LENGTH } from './signer';
export { type CookieVerifier, createCookieVerifier } from './verify';
