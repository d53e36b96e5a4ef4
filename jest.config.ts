/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// ESM-only dependencies that Jest (CommonJS) must transform before it can load them.
const esmOnly = ['@octokit', 'standardwebhooks', '@stablelib', 'fast-sha256'].join('|');

/**
 * What every project shares: TypeScript through SWC, which only strips types (`npm run build`
 * checks them; decision 0042), the `#shared` alias. The SDK matchers are imported by the few
 * files that use them: loading them in every file cost about 0.2 s each.
 */
const common: Config = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  transformIgnorePatterns: [`node_modules/(?!(${esmOnly})/)`],
  moduleNameMapper: {
    '^#shared/(.*)$': '<rootDir>/functions/$1',
    // Its package exports offer only an `import` condition, which Jest's CommonJS resolver skips.
    '^@octokit/webhooks-methods$': '<rootDir>/node_modules/@octokit/webhooks-methods/dist-node/index.js',
  },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
};

/** Tests that start the whole local runtime (a synthesized stack, its emulators and Lambda workers). */
const integration = ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/local/start/lifecycle.test.ts'];

const config: Config = {
  // For `npx jest` and `npm test -- <path>`. The whole suite (`npm test`, test/run.ts) runs the
  // two projects side by side instead, one file at a time each, so that two end-to-end files
  // never share the cores (decision 0042).
  maxWorkers: 2,
  // A test's own deadline; the end-to-end files set longer ones for the first synthesis.
  testTimeout: 30_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/e2e/',
        '<rootDir>/test/local/start/lifecycle.test.ts',
      ],
    },
    { ...common, displayName: 'integration', roots: ['<rootDir>/test'], testMatch: integration },
  ],
};

export default config;
