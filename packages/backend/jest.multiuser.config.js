/**
 * The multi-user suite: a real JupyterHub with real Unix users (run as root), each user's server
 * from a venv holding the wheel built from this checkout. Needs a built tree:
 *   npx jest -c jest.multiuser.config.js
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  testMatch: ['<rootDir>/multiuser/**/*.spec.ts'],
  moduleNameMapper: { '^@hotstepper/api$': '<rootDir>/../api/src/index.ts' },
  testTimeout: 120000
};
