/**
 * Every TypeScript snippet in the project's Markdown type-checks as a user would compile it, under
 * the three module resolutions users run: `bundler`, `node16` from an ES module and `node16` from
 * CommonJS. The `@sessionkit/*` imports go through the packages' exports maps to the built
 * declarations (as they would from the registry), so a snippet that only works against our
 * sources, or an import form that breaks in one resolution (`import { Redis } from 'ioredis'` under
 * node16 ESM), fails here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ENVIRONMENT,
  extractSnippets,
  linkDependencies,
  markdownFiles,
  type Snippet,
  where,
  writeSnippets,
} from './snippets';

const root = fileURLToPath(new URL('../..', import.meta.url));
const snippets: Snippet[] = markdownFiles(root).flatMap((file) => extractSnippets(root, file));
let base = '';

/**
 * Under CommonJS a snippet's top-level `await` (or `import.meta`) is a property of how the
 * snippet is written, not of our packages' types: those diagnostics are not counted there.
 */
const CJS_STYLE_ONLY = new Set([1309, 1343, 1378, 1470]);

const MODES = {
  bundler: { type: 'module', module: ts.ModuleKind.ESNext, resolution: ts.ModuleResolutionKind.Bundler },
  'node16 ESM': { type: 'module', module: ts.ModuleKind.Node16, resolution: ts.ModuleResolutionKind.Node16 },
  'node16 CommonJS': {
    type: 'commonjs',
    module: ts.ModuleKind.Node16,
    resolution: ts.ModuleResolutionKind.Node16,
  },
} as const;

/** Whether `dist/index.d.ts` exists and is newer than every file under `src/` (a stale build would check old types). */
function builtAfterSources(dir: string): boolean {
  const built = join(dir, 'dist', 'index.d.ts');
  if (!existsSync(built)) return false;
  const builtAt = statSync(built).mtimeMs;
  const sources = readdirSync(join(dir, 'src'), { recursive: true, withFileTypes: true });
  return sources.every(
    (entry) => !entry.isFile() || statSync(join(entry.parentPath, entry.name)).mtimeMs <= builtAt,
  );
}

/** Builds the packages whose declarations are missing or older than their sources (CI builds first; a fresh clone may not). */
function ensureBuilt(): void {
  const missing = readdirSync(join(root, 'packages')).filter((name) => {
    const manifest = join(root, 'packages', name, 'package.json');
    if (!existsSync(manifest)) return false;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    return !pkg.private && !builtAfterSources(join(root, 'packages', name));
  });
  if (missing.length === 0) return;
  console.log(`[snippets] building ${missing.join(', ')} (declarations missing or older than the sources)`);
  const filters = missing.flatMap((name) => ['--filter', `./packages/${name}`]);
  const result = spawnSync('pnpm', [...filters, 'run', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`pnpm build of ${missing.join(', ')} failed (${result.status})`);
}

/**
 * Next.js app code (it imports `next/…`) is not checked as a node16 ES module: next ships no
 * exports map, so that resolution would need `next/navigation.js`, and Next.js compiles apps with
 * `moduleResolution: bundler` anyway. It is still checked under bundler and node16 CommonJS.
 */
const nextAppCode = (s: Snippet) => /from '(next\/[^']+|@\/[^']+)'/.test(s.code);

function check(mode: keyof typeof MODES): string[] {
  const { type, module, resolution } = MODES[mode];
  const dir = join(base, mode.replace(/\W+/g, '-'));
  const checked = mode === 'node16 ESM' ? snippets.filter((s) => !nextAppCode(s)) : snippets;
  const files = writeSnippets(dir, checked, (s) => (s.tsx ? '.tsx' : '.ts'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type }));
  writeFileSync(join(dir, 'environment.d.ts'), ENVIRONMENT);
  const program = ts.createProgram([...files, join(dir, 'environment.d.ts')], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    module,
    moduleResolution: resolution,
    jsx: ts.JsxEmit.ReactJSX,
    types: ['node'],
    typeRoots: [join(base, 'node_modules', '@types')],
  });
  const problems: string[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    if (type === 'commonjs' && CJS_STYLE_ONLY.has(diagnostic.code)) continue;
    const index = diagnostic.file ? files.indexOf(diagnostic.file.fileName) : -1;
    const snippet = checked[index];
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (!snippet || !diagnostic.file || diagnostic.start === undefined) {
      problems.push(`TS${diagnostic.code}: ${message}`);
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    problems.push(`${where(root, snippet, line)} TS${diagnostic.code}: ${message}`);
  }
  return problems;
}

beforeAll(() => {
  ensureBuilt();
  base = mkdtempSync(join(tmpdir(), 'sk-snippets-'));
  linkDependencies(root, join(base, 'node_modules'));
}, 600_000);

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('README and docs TypeScript snippets', () => {
  it('finds the snippets (a broken extractor must not pass by checking nothing)', () => {
    expect(snippets.length).toBeGreaterThan(30);
    expect(snippets.some((s) => s.code.includes("from 'ioredis'"))).toBe(true);
  });

  for (const mode of Object.keys(MODES) as (keyof typeof MODES)[]) {
    it(`type-check under ${mode} resolution`, () => {
      expect(check(mode)).toEqual([]);
    }, 120_000);
  }
});
