#!/usr/bin/env node
// The operator CLI's entry point. `npx relayflow` runs its bundle, cli/dist/relayflow.cjs (npm run build:cli).
import { connect } from '../cli/environment';
import { runCli } from '../cli/program';
import { findPackageRoot, loadProjectConfig } from '../cli/runtime';

const ROOT = findPackageRoot(__dirname);

// The SDK warns on stderr about a Node version RelayFlow supports (engines: node >= 20); the CLI
// keeps stderr for its own messages. An operator who sets the variable keeps their choice.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runCli(process.argv.slice(2), {
  connect,
  output: {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') || text.startsWith('\r') ? text : `${text}\n`),
    interactive: Boolean(process.stderr.isTTY),
  },
  now: () => new Date(),
  sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
  fetch: globalThis.fetch,
  projectRoot: ROOT,
  loadConfig: () => loadProjectConfig(ROOT),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`relayflow: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
