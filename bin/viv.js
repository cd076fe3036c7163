#!/usr/bin/env node
// The `viv` command. Node 24 runs the TypeScript sources directly (type stripping); the guest
// isolate lives in a child process started with the flags isolated-vm needs.
import { enableCompileCache } from 'node:module';

// Node caches the compiled (and type-stripped) sources between runs: a faster start.
enableCompileCache?.();
const { main } = await import('../src/host/cli.ts');

process.exitCode = await main(process.argv.slice(2));
