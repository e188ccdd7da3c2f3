#!/usr/bin/env node
// The end of a CI run: what failed, what was skipped and why, and one closing count line.
//
//   node scripts/test-summary.mjs [--report .tmp/vitest-report.json] [--notes .tmp/vitest-skip-notes.json]
//                                 [--backends .tmp/backends.json]
//                                 [--test-exit <code of the test command>] [--check <name>=<exit code> ...]
//                                 [--notice <text> ...]
//
// Before the closing line it prints where each backend's server came from (URL, local port,
// container, private server, or none and why), passed/failed/skipped per package, the skips grouped
// with their reasons, then, last so that the tail of a log shows them, the failed tests, the failed
// checks and the notices of the run (what the environment lacked, such as a browser, so a green run
// cannot hide it).
//
// The last line printed is always exactly `N passed, N failed, N skipped`, where "failed" counts failed
// tests plus failed checks; the exit code is non-zero when anything failed or no test ran at all.
//
// The same file is also a vitest reporter (its default export): vitest's JSON report drops the note
// given to `ctx.skip(note)`, which is where a suite says why it did not run (no database, no container
// runtime), so in CI the reporter writes those notes beside the JSON report for this summary to merge.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_REPORT = join(root, '.tmp', 'vitest-report.json');
const DEFAULT_NOTES = join(root, '.tmp', 'vitest-skip-notes.json');
const BACKENDS_FILE = join(root, '.tmp', 'backends.json');
const SKIPPED = new Set(['skipped', 'pending', 'todo', 'disabled']);
const TITLES_PER_GROUP = 3;

const noteKey = (file, fullName) => `${file}\u0000${fullName}`;

// A suite skipped for want of a backend says why in its title, `name [skipped: <reason>]` (see
// skipTitle/suiteTitle in packages/testing; a test may add text after it) or
// `name (skipped: <reason>)` (the conformance suite). Reasons contain parentheses, never `]`.
const TITLE_REASON = /\[skipped: ([^\]]+)\]|\(skipped: (.+)\)$/;

/** The reason a skipped test gives: its ctx.skip note, else the nearest title that states one. */
function skipReason(test, namePattern) {
  const note = test.result().note;
  if (note) return note;
  // `vitest -t <pattern>` skips the tests it does not select: the user's choice, said as such.
  if (namePattern && !namePattern.test(test.fullName)) return `not selected by -t ${namePattern}`;
  for (let node = test; node && node.type !== 'module'; node = node.parent) {
    const match = TITLE_REASON.exec(node.name);
    if (match) return match[1] ?? match[2];
    // A failed beforeAll leaves the suite's tests skipped; the failure itself is reported above.
    if (node.type === 'suite' && node.state() === 'failed') return `not run: a hook of "${node.name}" failed`;
  }
  return undefined;
}

const NO_REASON = 'NO REASON GIVEN (a skip must state why: see packages/testing/README.md)';

/**
 * Vitest reporter, listed before 'default' in vitest.config.ts: prints every skipped test's reason,
 * grouped and counted, right above the default reporter's closing summary, and in CI records the
 * reasons for the summary below (vitest's JSON report drops the note given to `ctx.skip(note)`).
 */
export default class SkipNotesReporter {
  onInit(vitest) {
    const pattern = vitest.config.testNamePattern;
    this.namePattern = pattern ? new RegExp(pattern) : undefined;
  }

  onTestRunEnd(testModules) {
    const notes = [];
    const groups = new Map();
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        if (test.result().state !== 'skipped') continue;
        const note = skipReason(test, this.namePattern);
        notes.push({ file: testModule.moduleId, name: test.fullName, note: note ?? NO_REASON });
        const group = groups.get(note ?? NO_REASON) ?? { count: 0, files: new Set() };
        group.count++;
        group.files.add(display(testModule.moduleId));
        groups.set(note ?? NO_REASON, group);
      }
    }
    if (process.env.CI) {
      mkdirSync(dirname(DEFAULT_NOTES), { recursive: true });
      writeFileSync(DEFAULT_NOTES, JSON.stringify(notes));
    }
    printBackends();
    if (notes.length === 0) return;
    console.log(`\n ↓ skipped ${notes.length}, by reason:`);
    for (const [reason, { count, files }] of [...groups].sort((a, b) => b[1].count - a[1].count)) {
      const where = files.size <= 3 ? [...files].join(', ') : `${files.size} files`;
      console.log(`   ${count} × ${reason} (${where})`);
    }
  }
}

/** One line per backend from .tmp/backends.json (written by vitest.global-setup.ts). */
function printBackends(file = BACKENDS_FILE) {
  const { value } = readJson(file);
  if (!Array.isArray(value)) return;
  console.log('\n backends of this run (URL, container, private server from local binaries, or none):');
  for (const { backend, source, detail } of value) {
    console.log(`   ${backend.padEnd(14)} ${source === 'unavailable' ? 'none' : source}: ${detail}`);
  }
}

function parseArgs(argv) {
  const options = {
    report: DEFAULT_REPORT,
    notes: DEFAULT_NOTES,
    backends: BACKENDS_FILE,
    testExit: undefined,
    checks: [],
    notices: [],
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [arg, value] = [argv[i], argv[i + 1]];
    if (!['--report', '--notes', '--backends', '--test-exit', '--check', '--notice'].includes(arg ?? '')) {
      throw new Error(`unknown argument ${JSON.stringify(arg)}`);
    }
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (arg === '--report') options.report = value;
    else if (arg === '--notes') options.notes = value;
    else if (arg === '--backends') options.backends = value;
    else if (arg === '--test-exit') options.testExit = Number(value);
    else if (arg === '--notice') options.notices.push(value);
    else {
      const match = /^(.+)=(-?\d+)$/.exec(value);
      if (!match) throw new Error(`--check expects <name>=<exit code>, got ${JSON.stringify(value)}`);
      options.checks.push({ name: match[1], code: Number(match[2]) });
    }
  }
  return options;
}

function readJson(file) {
  if (!existsSync(file)) return { error: 'missing' };
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') return { error: 'empty' };
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `not valid JSON (${error.message})` };
  }
}

/** Paths inside the repository are shown relative to it, anything else as given. */
const display = (file) => {
  const inside = isAbsolute(file) ? relative(root, file) : file;
  return inside.startsWith('..') ? file : inside;
};
const firstLine = (text) =>
  String(text ?? '')
    .split('\n')
    .find((line) => line.trim() !== '')
    ?.trim() ?? '';

function loadNotes(file) {
  const { value } = readJson(file);
  const notes = new Map();
  if (Array.isArray(value)) {
    for (const { file: testFile, name, note } of value) notes.set(noteKey(testFile, name), note);
  }
  return notes;
}

/** Turns the vitest JSON report into counts, failures and skip groups. */
function analyse(report, notes) {
  let passed = 0;
  const failures = [];
  const skipGroups = new Map();
  const packages = new Map();
  for (const file of report.testResults ?? []) {
    let failedInFile = 0;
    // packages/<name> or examples/<name>: one vitest project each.
    const pkg = display(file.name).split('/').slice(0, 2).join('/');
    const counts = packages.get(pkg) ?? { passed: 0, failed: 0, skipped: 0 };
    packages.set(pkg, counts);
    for (const test of file.assertionResults ?? []) {
      const path = [...(test.ancestorTitles ?? []), test.title];
      if (test.status === 'passed') counts.passed++;
      else if (test.status === 'failed') counts.failed++;
      else if (SKIPPED.has(test.status)) counts.skipped++;
      if (test.status === 'passed') passed++;
      else if (test.status === 'failed') {
        failedInFile++;
        failures.push({
          where: [display(file.name), ...path].join(' › '),
          why: firstLine(test.failureMessages?.[0]),
        });
      } else if (SKIPPED.has(test.status)) {
        const note = notes.get(noteKey(file.name, path.join(' > '))) ?? '';
        // Group by file and top-level describe: that is where a suite states why it is skipped
        // ("store conformance: mongodb (skipped: ...)"); nested describes are only topics.
        const [top, ...rest] = path;
        const nested = rest.length > 0;
        // The reason is printed on its own line below, so the heading leaves it out of the title.
        const name = top.replace(/\s*\[skipped: [^\]]+\]|\s*\(skipped: .+\)$/, '');
        const heading = nested ? `${display(file.name)} › ${name}` : display(file.name);
        const key = `${heading}\u0000${note}`;
        const group = skipGroups.get(key) ?? { heading, note, titles: [] };
        const title = (nested ? rest : path).join(' › ');
        group.titles.push(test.status === 'todo' ? `${title} (todo)` : title);
        skipGroups.set(key, group);
      }
    }
    // A file that fails to import, or a failing beforeAll/afterAll, fails no single test: count the
    // file itself, or the run would look green.
    if (file.status === 'failed' && failedInFile === 0) {
      failures.push({
        where: `${display(file.name)} › (file)`,
        why:
          firstLine(file.message) ||
          'the file failed outside any test (hook or import error, see the log above)',
      });
    }
  }
  return { passed, failures, skipGroups: [...skipGroups.values()], packages };
}

function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`test-summary: ${error.message}`);
    process.exit(2);
  }
  const failedChecks = options.checks.filter(({ code }) => code !== 0);

  const { value: report, error } = readJson(options.report);
  let summary = { passed: 0, failures: [], skipGroups: [], packages: new Map() };
  if (error) {
    failedChecks.push({ name: 'tests', why: `no test report: ${display(options.report)} is ${error}` });
  } else {
    summary = analyse(report, loadNotes(options.notes));
    const ran = summary.passed + summary.failures.length;
    if (ran === 0) failedChecks.push({ name: 'tests', why: 'the test run executed no tests' });
    else if (options.testExit && summary.failures.length === 0) {
      // Vitest also fails a run for unhandled errors and leaks that belong to no test.
      failedChecks.push({ name: 'tests', why: `the test command exited with ${options.testExit}` });
    }
  }

  const skippedCount = summary.skipGroups.reduce((sum, group) => sum + group.titles.length, 0);
  console.log('\n==> summary');
  printBackends(options.backends);
  if (summary.packages.size > 0) {
    console.log('Per package (passed / failed / skipped):');
    for (const [pkg, c] of [...summary.packages].sort(([a], [b]) => a.localeCompare(b))) {
      console.log(`  ${pkg.padEnd(28)} ${String(c.passed).padStart(4)} / ${c.failed} / ${c.skipped}`);
    }
  }
  if (skippedCount > 0) {
    console.log(`Skipped tests (${skippedCount}):`);
    for (const { heading, note, titles } of summary.skipGroups) {
      console.log(`  ↓ ${heading} (${titles.length} test${titles.length === 1 ? '' : 's'})`);
      if (note) console.log(`      reason: ${note}`);
      const shown = titles.slice(0, TITLES_PER_GROUP);
      for (const title of shown) console.log(`      · ${title}`);
      if (titles.length > shown.length) console.log(`      · … and ${titles.length - shown.length} more`);
    }
  }
  // Failures come after the long skip list, next to the closing line: a CI page that shows only the
  // tail of the log must still say what failed.
  if (summary.failures.length > 0) {
    console.log(`Failed tests (${summary.failures.length}):`);
    for (const { where, why } of summary.failures) {
      console.log(`  ✗ ${where}`);
      if (why) console.log(`      ${why}`);
    }
  }
  if (failedChecks.length > 0) {
    console.log(`Failed checks (${failedChecks.length}):`);
    for (const check of failedChecks) {
      console.log(`  ✗ ${check.name}${check.why ? `: ${check.why}` : ` (exit ${check.code})`}`);
    }
  }
  if (options.notices.length > 0) {
    console.log(`Notices (${options.notices.length}):`);
    for (const notice of options.notices) console.log(`  ! ${notice}`);
  }
  const failed = summary.failures.length + failedChecks.length;
  console.log(`${summary.passed} passed, ${failed} failed, ${skippedCount} skipped`);
  process.exit(failed === 0 ? 0 : 1);
}

// Run only as a script; vitest imports this file for the reporter above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
