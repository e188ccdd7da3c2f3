// `@sessionkit/core/edge`: the store-free subset for edge runtimes (Next.js middleware, workers).
// It imports nothing that touches Node built-ins, not even lazily.
export { readCookieValues } from './cookie/cookie';
export { isWellFormedSessionId } from './cookie/ids';
export { MIN_SECRET_LENGTH } from './cookie/signer';
export { type CookieVerifier, createCookieVerifier } from './cookie/verify';
export { isSessionError, SessionConfigError, SessionError } from './errors';
