// `@sessionkit/next/edge`: safe for middleware on the Edge runtime. It imports only the store-free
// part of core (Web Crypto), so it never pulls a store or a Node.js built-in into the bundle.
import { createCookieVerifier } from '@sessionkit/core/edge';

/** Options of {@link createSessionVerifier}: the manager's `secrets` and `cookie.name`, so one config object fits both. */
export interface SessionVerifierOptions {
  /** The same secrets as the session manager; any of them verifies. */
  secrets: string | readonly string[];
  /** Only `name` is read. */
  cookie?: { name?: string };
}

/** Checks the session cookie of a request without a store. */
export interface SessionVerifier {
  /**
   * The session ID when the request carries a cookie signed with your secrets, else null. It
   * proves who issued the cookie, not that the session is still alive (it may have expired or
   * been destroyed): use it to route, and let the server check the store before trusting it.
   */
  verify(request: { headers: { get(name: string): string | null } }): Promise<string | null>;
}

/**
 * Creates an edge-safe session cookie check for middleware.
 *
 * @example
 * // middleware.ts
 * const verifier = createSessionVerifier({ secrets: [process.env.SESSION_SECRET!] });
 * export async function middleware(request: NextRequest) {
 *   if (!(await verifier.verify(request))) return NextResponse.redirect(new URL('/login', request.url));
 * }
 */
export function createSessionVerifier(options: SessionVerifierOptions): SessionVerifier {
  const verifier = createCookieVerifier({
    secrets: options.secrets,
    cookieName: options.cookie?.name ?? 'sid',
  });
  return { verify: (request) => verifier.verify(request.headers.get('cookie')) };
}
