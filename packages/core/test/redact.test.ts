import { describe, expect, test } from 'vitest';
import { passwordsIn, redactSecrets, redactUrl, scrub } from '../src/config/redact';

const SECRET = 'SeCret-9f';

describe('redactUrl: the whole string is one URL, however broken', () => {
  test.each([
    [
      'missing ":" after the scheme',
      `postgres//user:${SECRET}@127.0.0.1/test`,
      'postgres//user:***@127.0.0.1/test',
    ],
    ['one slash', `postgres:/user:${SECRET}@h/db`, 'postgres:/user:***@h/db'],
    ['no scheme at all', `user:${SECRET}@h/db`, 'user:***@h/db'],
    ['raw "@" in the password', `redis://:${SECRET}@x@h:1/0`, 'redis://:***@h:1/0'],
    ['raw "/" and "?" in the password', `redis://:${SECRET}/a?b@h`, 'redis://:***@h'],
    ['a space in the password', `mysql://u:${SECRET} x@h/db`, 'mysql://u:***@h/db'],
    [
      '?password= and friends',
      `postgres://h/db?password=${SECRET}&sslkey=${SECRET}&table=t`,
      'postgres://h/db?password=***&sslkey=***&table=t',
    ],
    ['no password', 'redis://user@h:1/0', 'redis://user@h:1/0'],
  ])('%s', (_shape, url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  test('a percent-encoded password is masked in its encoded form', () => {
    expect(redactUrl('redis://:p%40ss%2Fw0rd@h:1')).toBe('redis://:***@h:1');
  });
});

describe('redactSecrets: free text', () => {
  test('every URL in a message, quoted or not, and key=value credentials', () => {
    const text = `connect "redis://:${SECRET}@a:1" and mongodb://u:${SECRET}@b/db, Password=${SECRET}; ok`;
    const out = redactSecrets(text);
    expect(out).not.toContain(SECRET);
    expect(out).toContain('"redis://:***@a:1"');
    expect(out).toContain('mongodb://u:***@b/db,');
    expect(out).toContain('Password=***;');
  });

  test('leaves ordinary text alone', () => {
    const text =
      'count on postgres 127.0.0.1:5432/test failed: connect ECONNREFUSED 127.0.0.1:5432 (alice@example.com)';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('scrub: a known password in any form', () => {
  test('raw and percent-decoded forms, longest first', () => {
    const secrets = passwordsIn('redis://:p%40ss%2Fw0rd@h');
    expect(secrets).toEqual(['p%40ss%2Fw0rd', 'p@ss/w0rd']);
    expect(scrub('got p@ss/w0rd and p%40ss%2Fw0rd', secrets)).toBe('got *** and ***');
  });
});
