/**
 * Integration tests with auth ON: a real jupyter-server + jupyter-server-proxy
 * starts the bundled backend (hotstepper/backend/main.js) through the Python
 * entry point. Needs the repo's .venv (or HOTSTEPPER_JUPYTER) and a built bundle:
 *   npx jest -c jest.integration.config.js
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  testMatch: ['<rootDir>/integration/**/*.spec.ts'],
  moduleNameMapper: { '^@hotstepper/api$': '<rootDir>/../api/src/index.ts' },
  // Jupyter starts in seconds; jupyter-server-proxy gives up on a dead backend only after the entry point's 30 s timeout.
  testTimeout: 60000
};
