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
// @kubernetes/client-node (with its dependencies, two thirds of all the code) goes into a file
// of its own, loaded on first use: a backend on the local adapter never parses it.
const KUBERNETES_CLIENT = 'kubernetes-client.js';
const kubernetesApart = {
  name: 'kubernetes-apart',
  setup(b) {
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({
      path: `./${KUBERNETES_CLIENT}`,
      external: true
    }));
  }
};
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  // import() of the files kept apart becomes require(): no ES module loader at start.
  supported: { 'dynamic-import': false }
};
await build({
  ...common,
  entryPoints: [require.resolve('@kubernetes/client-node')],
  outfile: join(outDir, KUBERNETES_CLIENT)
});
// main.js is only the command line and the socket: it listens at once and reads service.js
// (everything else) after, so the socket is there before the bulk of the code is parsed.
const serviceApart = {
  name: 'service-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/service$/ }, () => ({ path: './service.js', external: true }));
  }
};
const define = { HOTSTEPPER_VERSION: JSON.stringify(version), HOTSTEPPER_BUNDLED: 'true' };
await build({
  ...common,
  entryPoints: [join(here, '..', 'src', 'main.ts')],
  outfile: join(outDir, 'main.js'),
  plugins: [serviceApart],
  define
});
await build({
  ...common,
  entryPoints: [join(here, '..', 'src', 'service.ts')],
  outfile: join(outDir, 'service.js'),
  plugins: [kubernetesApart],
  define
});
const addon = join(
  dirname(require.resolve('better-sqlite3/package.json')),
  'build',
  'Release',
  'better_sqlite3.node'
);
copyFileSync(addon, join(outDir, 'better_sqlite3.node'));
// The flare proxy checks passwords in worker threads, which load bcryptjs (one file, no
// dependencies) from beside main.js: src/platform/local/password-check.ts.
copyFileSync(require.resolve('bcryptjs'), join(outDir, 'bcryptjs.js'));
