/**
 * Type-level checks, compiled with the TypeScript compiler: the documented ways of typing the
 * session, with and without @types/express-session in the same program (it claims the type of
 * `req.session` globally, so this package must not).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');

/** Type-checks virtual files placed in this folder; resolves like the repository's tsconfig. */
function typeErrors(files: Record<string, string>): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
    skipLibCheck: true,
    esModuleInterop: true,
    noEmit: true,
    baseUrl: root,
    paths: {
      '@sessionkit/*': ['packages/*/src/index.ts'],
    },
  };
  const virtual = new Map(Object.entries(files).map(([name, text]) => [join(here, name), text]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => virtual.has(name) || fileExists(name);
  host.readFile = (name) => virtual.get(name) ?? readFile(name);
  host.getSourceFile = (name, language, ...rest) => {
    const text = virtual.get(name);
    return text === undefined
      ? getSourceFile(name, language, ...rest)
      : ts.createSourceFile(name, text, language);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${d.file ? d.file.fileName.replace(root, '') : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
}

const app = `
import express from 'express';
import { createMemoryStore } from '@sessionkit/core';
import { createSessionMiddleware, sessionOf } from '@sessionkit/express';

type Data = { userId: string; cart: string[] };
const app = express();
app.use(createSessionMiddleware<Data>({ store: createMemoryStore(), secrets: ['x'.repeat(32)] }));
`;

describe('typing the session', () => {
  test('sessionOf<Data>(req) is typed, with or without express-session in the program', {
    timeout: 60_000,
  }, () => {
    const handler = `
app.get('/', (req, res) => {
  const session = sessionOf<Data>(req);
  const id: string | undefined = session.get('userId');
  session.set('cart', ['a']);
  // @ts-expect-error a number is not a string[]
  session.set('cart', 1);
  // @ts-expect-error not a key of Data
  session.get('nope');
  res.send(id);
});
`;
    expect(typeErrors({ 'virtual-plain.ts': app + handler })).toEqual([]);
    const withExpressSession = `
import session from 'express-session';
app.use(session({ secret: 's', store: new session.MemoryStore() }));
app.get('/legacy', (req, res) => {
  req.session.cookie.maxAge = 1; // still express-session's type
  res.end();
});
`;
    expect(typeErrors({ 'virtual-both.ts': app + handler + withExpressSession })).toEqual([]);
  });

  test('the README augmentation types req.session directly (apps without express-session)', {
    timeout: 60_000,
  }, () => {
    const augmented = `
import type { Session } from '@sessionkit/core';
declare global {
  namespace Express {
    interface Request {
      session: Session<Data>;
    }
  }
}
app.get('/', (req, res) => {
  req.session.set('userId', 'u1');
  // @ts-expect-error a number is not a string
  req.session.set('userId', 1);
  res.json(req.session.get('cart') ?? []);
});
`;
    expect(typeErrors({ 'virtual-augmented.ts': app + augmented })).toEqual([]);
  });

  test('the same augmentation next to express-session is a type error: why this package leaves req.session alone', {
    timeout: 60_000,
  }, () => {
    const clash = `
import type { Session } from '@sessionkit/core';
import 'express-session';
declare global {
  namespace Express {
    interface Request {
      session: Session<Data>;
    }
  }
}
`;
    expect(typeErrors({ 'virtual-clash.ts': app + clash }).join('\n')).toMatch(
      /Subsequent property declarations/,
    );
  });
});
