// Bundles the backend for the Python package, with the better-sqlite3 addon beside it: the wheel
// then needs only Node to run. Four files: main.js (the command line and the socket, listening
// at once), service.js (everything else, read after), kubernetes-client.js
// (@kubernetes/client-node, loaded on first use) and cluster-service.js (the hub's service).
// The addon is named by the Node ABI it was built for (better_sqlite3.abi115.node for Node 20);
// `scripts/run.sh wheel` adds the one for the wheel's own Node. Source maps stay out of the
// package, in packages/backend/dist/ (build artefacts, two thirds of the wheel's size otherwise).
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
// What earlier builds left beside main.js (an unversioned addon, maps) must not ship.
for (const stale of readdirSync(outDir).filter(
  f => f.endsWith('.map') || f === 'better_sqlite3.node'
)) {
  rmSync(join(outDir, stale), { force: true });
}

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
// main.js is only the command line and the socket: it listens at once and reads service.js
// (everything else) after, so the socket is there before the bulk of the code is parsed.
const serviceApart = {
  name: 'service-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/service$/ }, () => ({ path: './service.js', external: true }));
  }
};
const define = { HOTSTEPPER_VERSION: JSON.stringify(version), HOTSTEPPER_BUNDLED: 'true' };

/** One esbuild pass; its code beside main.js, its map in dist/. */
async function bundle(options) {
  const { outputFiles } = await build({
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: 'external',
    write: false,
    legalComments: 'linked',
    logLevel: 'warning',
    // import() of the files kept apart becomes require(): no ES module loader at start.
    supported: { 'dynamic-import': false },
    ...options
  });
  for (const file of outputFiles) {
    const to = file.path.endsWith('.map') ? join(mapDir, basename(file.path)) : file.path;
    writeFileSync(to, file.contents);
  }
}

await bundle({
  entryPoints: [require.resolve('@kubernetes/client-node')],
  outfile: join(outDir, KUBERNETES_CLIENT)
});
await bundle({
  entryPoints: [join(here, '..', 'src', 'main.ts')],
  outfile: join(outDir, 'main.js'),
  plugins: [serviceApart],
  define
});
await bundle({
  entryPoints: [join(here, '..', 'src', 'service.ts')],
  outfile: join(outDir, 'service.js'),
  plugins: [kubernetesApart],
  define
});
// The hub's cluster service (a JupyterHub service, not a user's backend) shares the client file.
await bundle({
  entryPoints: [join(here, '..', 'src', 'cluster-service.ts')],
  outfile: join(outDir, 'cluster-service.js'),
  plugins: [kubernetesApart],
  define
});
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
