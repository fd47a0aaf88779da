/**
 * jest for the frontend packages: JupyterLab's base config plus the ESM
 * packages npm's nesting leaves untransformed.
 */
const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyterlab/',
  '@lezer',
  '@microsoft',
  'color',
  'eventsource-parser',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'yjs'
].join('|');

module.exports = dir => {
  const base = jestJupyterLab(dir);
  return {
    ...base,
    testRegex: 'test/.*\\.spec\\.tsx?$',
    transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`],
    modulePathIgnorePatterns: ['<rootDir>/labextension']
  };
};
