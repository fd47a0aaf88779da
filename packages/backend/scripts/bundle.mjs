// Bundles the backend into one file for the Python package, with the
// better-sqlite3 addon beside it: the wheel then needs only Node to run.
// The addon is named by the Node ABI it was built for (better_sqlite3.abi115.node for Node 20);
// `scripts/run.sh wheel` adds the one for the wheel's own Node. The source map stays out of the
// package: packages/backend/dist/main.js.map, a build artefact (12 MB, two thirds of the wheel).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', '..', '..', 'hotstepper', 'backend');
const mapDir = join(here, '..', 'dist');
const require = createRequire(import.meta.url);
const { version } = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8'));

mkdirSync(outDir, { recursive: true });
mkdirSync(mapDir, { recursive: true });
// What earlier builds left beside main.js (an unversioned addon, the map) must not ship.
for (const stale of readdirSync(outDir).filter(
  f => f.endsWith('.map') || f === 'better_sqlite3.node'
)) {
  rmSync(join(outDir, stale), { force: true });
}
const { outputFiles } = await build({
  entryPoints: [join(here, '..', 'src', 'main.ts')],
  outfile: join(outDir, 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: 'external',
  write: false,
  legalComments: 'linked',
  define: { HOTSTEPPER_VERSION: JSON.stringify(version), HOTSTEPPER_BUNDLED: 'true' },
  logLevel: 'warning'
});
for (const file of outputFiles) {
  const to = file.path.endsWith('.map') ? join(mapDir, basename(file.path)) : file.path;
  writeFileSync(to, file.contents);
}
const addon = join(
  dirname(require.resolve('better-sqlite3/package.json')),
  'build',
  'Release',
  'better_sqlite3.node'
);
// npm built it for the Node running this script.
copyFileSync(addon, join(outDir, `better_sqlite3.abi${process.versions.modules}.node`));
// The flare proxy checks passwords in worker threads, which load bcryptjs (one file, no
// dependencies) from beside main.js: src/platform/local/password-check.ts.
copyFileSync(require.resolve('bcryptjs'), join(outDir, 'bcryptjs.js'));
