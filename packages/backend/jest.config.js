/** Backend unit tests: plain Node, TypeScript through ts-jest. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  moduleNameMapper: {
    '^@hotstepper/api$': '<rootDir>/../api/src/index.ts',
    '^@hotstepper/api/constants$': '<rootDir>/../api/src/constants.ts'
  }
};
