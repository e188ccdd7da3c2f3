#!/usr/bin/env node
// Makes a checkout ready to run: pnpm present, dependencies installed from the lockfile, published
// packages built. `npm test` and `npm run demo` call it first, so a fresh machine with only Node and
// npm needs no other step. It must stay dependency-free (it runs before node_modules exists) and
// cheap when nothing changed, because it runs before every test run.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PNPM_VERSION = '12.21.0';
const root = fileURLToPath(new URL('..', import.meta.url));
const stampFile = join(root, 'node_modules', '.sessionkit-bootstrap');
const isWindows = process.platform === 'win32';
const inCi = Boolean(process.env.CI) && !['0', 'false'].includes(String(process.env.CI).toLowerCase());

function log(message) {
  console.log(`[bootstrap] ${message}`);
}

function fail(message) {
  console.error(`[bootstrap] ERROR: ${message}`);
  process.exit(1);
}

/**
 * Runs a command from the repository root. Output is inherited unless `quiet`, in which case stdout
 * and stderr are returned separately (npm prints config warnings on stderr that must not leak into
 * a value read from stdout). Spawn errors count as failure.
 */
function run(command, args, { quiet = false } = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: quiet ? 'pipe' : 'inherit',
    // npm and pnpm are .cmd shims on Windows, which only a shell can start.
    shell: isWindows,
    encoding: 'utf8',
  });
  return {
    status: result.error ? -1 : (result.status ?? -1),
    stdout: result.stdout ?? '',
    stderr: `${result.stderr ?? ''}${result.error ? result.error.message : ''}`,
  };
}

/** Finds an executable on PATH without spawning anything (a spawn costs ~100 ms on every run). */
function onPath(name, pathValue = process.env.PATH ?? '') {
  const names = isWindows ? [`${name}.cmd`, `${name}.exe`, name] : [name];
  for (const dir of pathValue.split(delimiter)) {
    for (const candidate of names) {
      const file = join(dir, candidate);
      try {
        accessSync(file, constants.X_OK);
        if (statSync(file).isFile()) return file;
      } catch {}
    }
  }
  return undefined;
}

/**
 * The root scripts call pnpm by name (`pnpm build` runs `pnpm -r ...`), so a pnpm found outside the
 * user's PATH is put on the PATH this process hands to its children.
 */
function usePnpmAt(file) {
  process.env.PATH = `${dirname(file)}${delimiter}${process.env.PATH ?? ''}`;
  log(
    `note: using ${file}, which is not on your PATH; add ${dirname(file)} to PATH ` +
      '(or run `corepack enable`) so that `pnpm` also works outside this script.',
  );
  return file;
}

/** Returns the path of a pnpm executable, installing pnpm when there is none on PATH. */
function ensurePnpm() {
  const found = onPath('pnpm');
  if (found) return found;
  // Said before anything is installed: this changes the machine, not only the checkout.
  log(
    `pnpm not found. This workspace is managed by pnpm (npm cannot install its workspace:^ ` +
      `links), so pnpm@${PNPM_VERSION} is now installed globally with \`npm i -g pnpm@${PNPM_VERSION}\` ` +
      `(it falls back to npx's cache when a global install is not allowed).`,
  );
  const install = run('npm', ['i', '-g', `pnpm@${PNPM_VERSION}`]);
  if (install.status === 0) {
    const installed = onPath('pnpm');
    if (installed) return installed;
    // npm's global bin directory is not always on PATH (nvm, a custom prefix): look there too.
    const prefix = run('npm', ['prefix', '-g'], { quiet: true }).stdout.trim();
    const inPrefix = onPath('pnpm', isWindows ? prefix : join(prefix, 'bin'));
    if (inPrefix) return usePnpmAt(inPrefix);
  }
  // Typically EACCES on a system-wide Node: fetch the pinned pnpm into npx's cache instead of asking
  // for sudo, and locate its executable there so that nested `pnpm` calls find it too.
  log(`global install not possible; fetching pnpm@${PNPM_VERSION} through npx`);
  const locate = run(
    'npx',
    ['-y', '-p', `pnpm@${PNPM_VERSION}`, '-c', isWindows ? 'where pnpm' : 'command -v pnpm'],
    {
      quiet: true,
    },
  );
  const file = locate.status === 0 ? locate.stdout.trim().split(/\r?\n/)[0] : undefined;
  if (!file || !existsSync(file)) {
    fail(
      `could not get pnpm: both 'npm i -g pnpm@${PNPM_VERSION}' and 'npx -p pnpm@${PNPM_VERSION}' failed.\n` +
        `${locate.stderr.trim()}\nInstall pnpm ${PNPM_VERSION} yourself (https://pnpm.io/installation) and retry.`,
    );
  }
  return usePnpmAt(file);
}

function sha256(...parts) {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/** Every file under `dir`, recursively, sorted so the hash does not depend on directory order. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function packageDirs() {
  const dir = join(root, 'packages');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'package.json')))
    .map((entry) => join(dir, entry.name))
    .sort();
}

/** The lockfile and workspace layout decide what `pnpm install` produces. */
function installHash() {
  const files = ['pnpm-lock.yaml', 'pnpm-workspace.yaml'].map((name) => join(root, name)).filter(existsSync);
  return sha256(...files.flatMap((file) => [file, readFileSync(file)]));
}

/**
 * Inputs of `pnpm build`: sources, manifests and build configs of the packages that have a build,
 * plus the lockfile (another tsup or TypeScript may change the output).
 */
function buildInputs(dirs) {
  const files = ['tsup.base.ts', 'tsconfig.base.json', 'pnpm-lock.yaml'].map((name) => join(root, name));
  for (const dir of dirs) {
    files.push(join(dir, 'package.json'), join(dir, 'tsup.config.ts'), join(dir, 'tsconfig.json'));
    files.push(...filesUnder(join(dir, 'src')));
  }
  return files.filter(existsSync);
}

function hashFiles(files) {
  return sha256(...files.flatMap((file) => [file.slice(root.length), '\0', readFileSync(file), '\0']));
}

/** The files a build must leave behind, or undefined when one is missing (a deleted dist/ = not built). */
function buildOutputs(dirs) {
  const outputs = [];
  for (const dir of dirs) {
    const manifest = readJson(join(dir, 'package.json'));
    for (const output of [manifest.main, manifest.module, manifest.types]) {
      if (typeof output !== 'string') continue;
      if (!existsSync(join(dir, output))) return undefined;
      outputs.push(join(dir, output));
    }
  }
  return outputs;
}

/**
 * Whether dist/ matches the sources: the stamp of the last build this script ran, or else every
 * output being newer than every input (a `pnpm build` run by hand or by CI's build check, so that
 * `npm test` does not build the same sources twice).
 */
function buildUpToDate(stamp, inputHash, inputs, outputs) {
  if (!outputs) return false;
  if (stamp.build === inputHash) return true;
  const newestInput = Math.max(...inputs.map((file) => statSync(file).mtimeMs));
  const oldestOutput = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  return outputs.length > 0 && oldestOutput > newestInput;
}

function readStamp() {
  try {
    return readJson(stampFile);
  } catch {
    return {};
  }
}

function writeStamp(stamp) {
  writeFileSync(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
}

function main() {
  const started = performance.now();
  const [major] = process.versions.node.split('.').map(Number);
  if ((major ?? 0) < 20) fail(`Node >= 20 is required, this is ${process.version}.`);

  let pnpm;
  const getPnpm = () => {
    pnpm ??= ensurePnpm();
    return pnpm;
  };
  // The root scripts call pnpm right after this script, so make sure it exists even when no
  // install or build is needed.
  if (!onPath('pnpm')) getPnpm();

  let stamp = readStamp();
  const lockHash = installHash();
  const installed = existsSync(join(root, 'node_modules', '.modules.yaml'));
  if (inCi || !installed || stamp.install !== lockHash) {
    const why = inCi ? 'CI' : !installed ? 'no node_modules' : 'lockfile changed';
    log(`installing dependencies (${why})`);
    const result = run(getPnpm(), ['install', '--frozen-lockfile']);
    if (result.status !== 0) {
      fail(
        'pnpm install --frozen-lockfile failed (see above). If the lockfile is out of date with a ' +
          'package.json, run `pnpm install` and commit pnpm-lock.yaml.',
      );
    }
    // pnpm may recreate node_modules, and the stamp with it: keep what was read before.
    stamp = { ...stamp, install: lockHash };
    writeStamp(stamp);
  } else {
    log('dependencies up to date');
  }

  // `--no-build`: dependencies only, for what runs from the TypeScript sources (the demo).
  if (process.argv.includes('--no-build')) {
    log(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s (no build: running from sources)`);
    return;
  }

  // Exactly the packages `pnpm build` (pnpm -r --filter ./packages/* run build) builds.
  const buildable = packageDirs().filter(
    (dir) => typeof readJson(join(dir, 'package.json')).scripts?.build === 'string',
  );
  const inputs = buildInputs(buildable);
  const inputHash = hashFiles(inputs);
  if (!buildUpToDate(stamp, inputHash, inputs, buildOutputs(buildable))) {
    log(`building ${buildable.length} package(s)`);
    const result = run(getPnpm(), ['build']);
    if (result.status !== 0) fail('pnpm build failed (see above).');
    writeStamp({ ...stamp, build: inputHash });
  } else {
    if (stamp.build !== inputHash) writeStamp({ ...stamp, build: inputHash });
    log('builds up to date');
  }
  log(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main();
