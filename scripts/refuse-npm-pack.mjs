#!/usr/bin/env node
// The `prepack` of every published package. npm pack / npm publish would ship package.json with
// `workspace:^` dependency ranges, which no registry install can resolve; pnpm pack / pnpm publish
// (and `changeset publish`, which calls pnpm) replace them with real versions. So npm is refused,
// with the command to use instead; pnpm goes through untouched.
const agent = process.env.npm_config_user_agent ?? '';
if (!agent.startsWith('pnpm/')) {
  const name = process.env.npm_package_name ?? 'this package';
  console.error(
    `\n${name} must be packed with pnpm: npm would leave "workspace:^" in its dependencies.\n` +
      '  pnpm pack                       (in the package folder; the tarball lands there)\n' +
      '  pnpm --filter <name> pack       (from the repository root)\n' +
      'See "Using the packages before they are published" in the root README.\n',
  );
  process.exit(1);
}
