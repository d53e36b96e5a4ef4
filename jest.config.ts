/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// ESM-only dependencies that Jest (CommonJS) must transform before it can load them.
const esmOnly = ['@octokit', 'standardwebhooks', '@stablelib', 'fast-sha256', 'commander'].join('|');

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.test.json', isolatedModules: true }],
  },
  transformIgnorePatterns: [`node_modules/(?!(${esmOnly})/)`],
  moduleNameMapper: {
    '^#shared/(.*)$': '<rootDir>/functions/$1',
    // Its package exports offer only an `import` condition, which Jest's CommonJS resolver skips.
    '^@octokit/webhooks-methods$': '<rootDir>/node_modules/@octokit/webhooks-methods/dist-node/index.js',
  },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  testTimeout: 30_000,
};

export default config;
