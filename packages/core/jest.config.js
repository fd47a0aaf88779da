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

const base = jestJupyterLab(__dirname);

module.exports = {
  ...base,
  testRegex: 'test/.*\\.spec\\.tsx?$',
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`],
  modulePathIgnorePatterns: ['<rootDir>/labextension'],
  moduleNameMapper: {
    ...base.moduleNameMapper,
    '^@hotstepper/api$': '<rootDir>/../api/src/index.ts',
    '^@hotstepper/core$': '<rootDir>/../core/src/index.ts'
  }
};
