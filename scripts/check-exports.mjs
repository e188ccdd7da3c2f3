#!/usr/bin/env node
// Verifies that every published package (non-private, under packages/) ships what its manifest
// promises: the dual ESM/CJS exports map with per-flavour types, the files behind it (so run it after
// `pnpm build`), a README, and a clean bill from publint and @arethetypeswrong/cli. A wrong exports map
// only shows up for users of the other module system, after publishing, so CI checks it on every run.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const CONCURRENCY = 2;

/** The layout every package shares (see packages/core/package.json). */
const EXPECTED_EXPORTS = [
  ['import', 'types', './dist/index.d.ts'],
  ['import', 'default', './dist/index.js'],
  ['require', 'types', './dist/index.d.cts'],
  ['require', 'default', './dist/index.cjs'],
];
const EXPECTED_FIELDS = {
  main: ['./dist/index.cjs'],
  module: ['./dist/index.js'],
  types: ['./dist/index.d.cts', './dist/index.d.ts'],
};

function manifestProblems(dir, pkg) {
  const problems = [];
  const dot = pkg.exports?.['.'];
  if (typeof dot !== 'object' || dot === null) {
    problems.push('package.json has no exports["."] conditions object');
  } else {
    for (const [condition, key, expected] of EXPECTED_EXPORTS) {
      const actual = dot[condition]?.[key];
      if (actual !== expected) {
        problems.push(
          `exports["."].${condition}.${key} is ${JSON.stringify(actual)}, expected "${expected}"`,
        );
      }
    }
  }
  for (const [field, allowed] of Object.entries(EXPECTED_FIELDS)) {
    if (!allowed.includes(pkg[field])) {
      problems.push(
        `"${field}" is ${JSON.stringify(pkg[field])}, expected ${allowed.map((v) => `"${v}"`).join(' or ')}`,
      );
    }
  }
  const files = Array.isArray(pkg.files) ? pkg.files : [];
  if (!files.some((entry) => ['dist', './dist', 'dist/', './dist/'].includes(entry))) {
    problems.push('"files" does not include "dist"');
  }
  // Only report missing outputs once the manifest is right, or every typo would be reported twice.
  if (problems.length === 0) {
    const targets = new Set([
      ...EXPECTED_EXPORTS.map(([, , target]) => target),
      pkg.main,
      pkg.module,
      pkg.types,
    ]);
    for (const target of targets) {
      if (!existsSync(join(dir, target))) problems.push(`${target} is missing (run \`pnpm build\` first)`);
    }
  }
  problems.push(...typesVersionsProblems(pkg));
  if (!existsSync(join(dir, 'README.md'))) problems.push('no README.md (each package has a README)');
  return problems;
}

/**
 * node10 resolution ignores `exports`, so each subpath (`@sessionkit/core/edge`) needs a
 * `typesVersions` entry pointing at its CommonJS declarations. The expected map is derived from
 * `exports`, so adding a subpath without it fails here instead of for a user on `module: commonjs`.
 */
function typesVersionsProblems(pkg) {
  const expected = {};
  for (const [subpath, conditions] of Object.entries(pkg.exports ?? {})) {
    if (subpath === '.' || subpath === './package.json') continue;
    expected[subpath.slice(2)] = [conditions?.require?.types];
  }
  if (Object.keys(expected).length === 0) return [];
  const actual = pkg.typesVersions?.['*'] ?? {};
  if (JSON.stringify(actual) === JSON.stringify(expected)) return [];
  return [
    `"typesVersions" must be ${JSON.stringify({ '*': expected })} so node10 resolution finds each subpath's types ` +
      `(got ${JSON.stringify(pkg.typesVersions)})`,
  ];
}

/** Runs a command, capturing its output, and resolves with the exit code and the output. */
function exec(command, args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      shell: process.platform === 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', (error) => resolve({ code: -1, output: `${output}${error.message}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

async function checkPackage({ dir, pkg }) {
  const problems = manifestProblems(dir, pkg);
  const details = [];
  // publint and attw read the packed tarball, so they are only meaningful once the files exist.
  if (!problems.some((problem) => problem.includes('is missing'))) {
    const tools = [
      ['publint --strict', ['exec', 'publint', '--strict']],
      // The default profile includes node10 (TypeScript's `moduleResolution: node`, still the
      // default of `module: commonjs`), where only `typesVersions` makes a subpath's types visible.
      ['attw --pack .', ['exec', 'attw', '--pack', '.']],
    ];
    for (const [label, args] of tools) {
      const { code, output } = await exec('pnpm', args, dir);
      if (code !== 0) {
        problems.push(`${label} failed (exit ${code})`);
        details.push(output.trim());
      }
    }
  }
  return { name: pkg.name, dir, problems, details };
}

async function main() {
  const packagesDir = join(root, 'packages');
  const candidates = existsSync(packagesDir)
    ? readdirSync(packagesDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
        .map((entry) => join(packagesDir, entry.name))
        .sort()
    : [];
  const published = candidates
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private);
  if (published.length === 0) {
    console.error('check-exports: no published packages found under packages/');
    process.exit(1);
  }

  const results = new Array(published.length);
  let next = 0;
  const worker = async () => {
    while (next < published.length) {
      const index = next++;
      results[index] = await checkPackage(published[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, published.length) }, worker));

  let failed = 0;
  for (const { name, dir, problems, details } of results) {
    if (problems.length === 0) {
      console.log(`ok    ${name}`);
      continue;
    }
    failed++;
    console.log(`FAIL  ${name} (${relative(root, dir)}): ${problems.join('; ')}`);
    for (const detail of details) {
      console.log(
        detail
          .split('\n')
          .map((line) => `      ${line}`)
          .join('\n'),
      );
    }
  }
  console.log(`check-exports: ${results.length - failed} of ${results.length} package(s) ok`);
  process.exit(failed === 0 ? 0 : 1);
}

await main();
