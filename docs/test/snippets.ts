/**
 * Finds the TypeScript snippets of the project's Markdown (every README and docs/*.md) and lays
 * them out as files of a throwaway consumer project, so the compiler sees them the way a user's
 * project would: `@sessionkit/*` through the packages' real `exports` maps and built declarations,
 * third-party packages through their own manifests.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** One fenced ```ts / ```tsx block. */
export interface Snippet {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the first code line in that file. */
  line: number;
  code: string;
  tsx: boolean;
  /** Lines put before `code` from a `<!-- snippet-context: … -->` comment (0 or 1). */
  contextLines: number;
}

/**
 * A block whose info string carries `nocheck` (```ts nocheck) is a deliberate fragment and is
 * left out; every other ts/tsx block is checked.
 */
const FENCE = /^```(ts|typescript|tsx)(\s+nocheck)?\s*$/;

/**
 * A fragment that uses names from its surroundings (an `app`, a `pool`, the previous block's
 * imports) declares them in an HTML comment on the line before its fence, which Markdown does not
 * render: `<!-- snippet-context: import express from 'express'; const app = express(); -->`.
 */
const CONTEXT = /^<!--\s*snippet-context:\s*(.*?)\s*-->\s*$/;

export function markdownFiles(root: string): string[] {
  const files = ['README.md'];
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      if (!existsSync(join(root, group, name, 'README.md'))) continue;
      // The private test harness (packages/testing) is not for users.
      const manifest = join(root, group, name, 'package.json');
      if (group === 'packages' && JSON.parse(readFileSync(manifest, 'utf8')).private) continue;
      files.push(`${group}/${name}/README.md`);
    }
  }
  for (const name of readdirSync(join(root, 'docs')).sort()) {
    if (name.endsWith('.md')) files.push(`docs/${name}`);
  }
  return files;
}

export function extractSnippets(root: string, file: string): Snippet[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !(lines[end] ?? '').startsWith('```')) end++;
    if (!open[2]) {
      const context = CONTEXT.exec(lines[i - 1] ?? '')?.[1];
      const body = lines.slice(start, end).join('\n');
      snippets.push({
        file,
        line: start + 1,
        code: context ? `${context}\n${body}` : body,
        tsx: open[1] === 'tsx',
        contextLines: context ? 1 : 0,
      });
    }
    i = end;
  }
  return snippets;
}

/**
 * Every dependency a snippet may import, found where pnpm installed it for some workspace
 * package: `@sessionkit/<name>` links to the package folder itself (so its `exports` map is what
 * resolves), anything else to the copy installed beside the first package that declares it.
 */
export function linkDependencies(root: string, nodeModules: string): void {
  const link = (name: string, target: string) => {
    const at = join(nodeModules, name);
    if (existsSync(at)) return;
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(target, at, 'dir');
  };
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const dir = join(root, group, name);
      if (!existsSync(join(dir, 'package.json'))) continue;
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (group === 'packages' && !pkg.private) link(pkg.name, dir);
      const deps = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies };
      for (const dep of Object.keys(deps)) {
        if (dep.startsWith('@sessionkit/')) continue;
        if (existsSync(join(dir, 'node_modules', dep))) link(dep, join(dir, 'node_modules', dep));
      }
    }
  }
  link('@types/node', join(root, 'node_modules', '@types', 'node'));
}

/** Writes each snippet as `<dir>/<index>.<ext>` and returns the file names in snippet order. */
export function writeSnippets(dir: string, snippets: Snippet[], ext: (s: Snippet) => string): string[] {
  mkdirSync(dir, { recursive: true });
  return snippets.map((snippet, index) => {
    const path = join(dir, `s${String(index).padStart(3, '0')}${ext(snippet)}`);
    // `export {}` makes a snippet without imports a module too, so two snippets that declare the
    // same name do not collide as scripts in one global scope.
    writeFileSync(path, `${snippet.code}\nexport {};\n`);
    return path;
  });
}

/**
 * What the snippets take from the app around them, the same for every snippet: the Next.js
 * example's `@/lib/*` modules (the path alias every Next.js app has) and the app's own helpers.
 */
export const ENVIRONMENT = `
declare function authenticate(input: unknown): Promise<{ id: string }>;
declare module '@/lib/session-config' {
  export type SessionData = { userId: string; cart: string[]; visits?: number };
  export const sessionConfig: { secrets: string[] };
}
declare module '@/lib/sessions' {
  import type { NextSessions } from '@sessionkit/next';
  import type { PagesSessions } from '@sessionkit/next/pages';
  type SessionData = { userId: string; cart: string[]; visits?: number };
  export const sessions: NextSessions<SessionData>;
  export const pagesSessions: PagesSessions<SessionData>;
}
`;

export function where(root: string, snippet: Snippet, lineInSnippet: number): string {
  const line = lineInSnippet - snippet.contextLines;
  return `${relative(root, join(root, snippet.file))}:${line < 0 ? 'snippet-context' : snippet.line + line}`;
}
