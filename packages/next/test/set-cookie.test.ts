import { resolveCookieOptions, serializeClearingCookie, serializeCookie } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { parseSetCookie } from '../src/set-cookie';

describe('parseSetCookie: core Set-Cookie values back into the cookies().set() shape', () => {
  test('every attribute core emits', () => {
    const options = resolveCookieOptions({
      name: '__Host-sid',
      secure: true,
      sameSite: 'none',
      partitioned: true,
    });
    const now = Date.UTC(2030, 0, 1);
    const header = serializeCookie(options, 'abc.def', now + 3_600_000, now);
    expect(parseSetCookie(header)).toEqual({
      name: '__Host-sid',
      value: 'abc.def',
      path: '/',
      expires: new Date(now + 3_600_000),
      maxAge: 3600,
      httpOnly: true,
      secure: true,
      sameSite: 'none',
      partitioned: true,
    });
  });

  test('domain, strict, a browser-session cookie, and a value that needed encoding', () => {
    const options = resolveCookieOptions({
      domain: 'example.com',
      path: '/app',
      secure: false,
      httpOnly: false,
      sameSite: 'strict',
    });
    const parsed = parseSetCookie(serializeCookie(options, 'a b;c=é', null, 0));
    expect(parsed).toEqual({
      name: 'sid',
      value: 'a b;c=é',
      path: '/app',
      domain: 'example.com',
      sameSite: 'strict',
    });
  });

  test('the clearing cookie keeps Max-Age=0 and an expiry in the past', () => {
    const parsed = parseSetCookie(serializeClearingCookie(resolveCookieOptions({ secure: false })));
    expect(parsed).toMatchObject({ name: 'sid', value: '', maxAge: 0, expires: new Date(0) });
  });
});
