#!/usr/bin/env node
// package.json "bin" points here: load the TypeScript CLI through tsx.
require('tsx/cjs');
require('./relayflow-cli.ts');
