/** Backend unit tests: plain Node, TypeScript through ts-jest. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node', types: ['node', 'jest'], noUnusedLocals: false } }] },
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  moduleNameMapper: { '^@hotstepper/api$': '<rootDir>/../api/src/index.ts' }
};
