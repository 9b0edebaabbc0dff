#!/usr/bin/env node
// The `vigil` command. Runs the TypeScript sources through tsx's loader so `npx vigil` works right after `npm ci`
// with no build step; tsx caches its transforms, so the cost is paid once per source change.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
