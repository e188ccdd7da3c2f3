/**
 * ARCHITECTURE.md, "How to add a framework", followed step by step for Node's own `http` server:
 * load before the handler, commit before the response head, set the cookie. No store or expiry
 * logic: the manager does all of it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Session, type SessionData, type SessionManagerInput, toSessionManager } from '@sessionkit/core';

export type SessionHandler<Data extends SessionData> = (
  request: IncomingMessage,
  session: Session<Data>,
) => Promise<{ status: number; body: string }>;

/** Step 1: one way in, the manager or its options, through core's `toSessionManager`. */
export function withSessions<Data extends SessionData = SessionData>(
  input: SessionManagerInput<Data>,
  handler: SessionHandler<Data>,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const manager = toSessionManager(input);
  return async (request, response) => {
    // Step 2: load from the Cookie header; a tampered or expired cookie is an anonymous session.
    const session = await manager.load(request.headers.cookie);
    // Step 3: run the handler; the response is built, not yet sent.
    const { status, body } = await handler(request, session);
    // Step 4: commit before the head leaves, then set the cookie the manager returns (if any).
    const setCookie = await manager.commit(session);
    if (setCookie) response.setHeader('Set-Cookie', setCookie);
    response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  };
}
