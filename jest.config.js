/** Jest 30 with @swc/jest, native ESM (run with --experimental-vm-modules). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023', keepClassNames: true }, module: { type: 'es6' } },
    ],
  },
  testMatch: ['<rootDir>/**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.tsbuild/'],
  modulePathIgnorePatterns: ['<rootDir>/.*/\\.tsbuild/'],
  testTimeout: 30_000,
  maxWorkers: 2,
};
