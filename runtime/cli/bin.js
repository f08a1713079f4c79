#!/usr/bin/env node
// The `tapfit` command. tapfit ships TypeScript sources: register tsx's loader, then run the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
