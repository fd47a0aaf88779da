// Bundles the backend into one file for the Python package, with the
// better-sqlite3 addon beside it: the wheel then needs only Node to run.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', '..', '..', 'hotstepper', 'backend');
const require = createRequire(import.meta.url);
const { version } = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8'));

mkdirSync(outDir, { recursive: true });
await build({
  entryPoints: [join(here, '..', 'src', 'main.ts')],
  outfile: join(outDir, 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  define: { HOTSTEPPER_VERSION: JSON.stringify(version), HOTSTEPPER_BUNDLED: 'true' },
  logLevel: 'warning'
});
const addon = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
copyFileSync(addon, join(outDir, 'better_sqlite3.node'));
// The flare proxy checks passwords in worker threads, which load bcryptjs (one file, no
// dependencies) from beside main.js: src/platform/local/password-check.ts.
copyFileSync(require.resolve('bcryptjs'), join(outDir, 'bcryptjs.js'));
