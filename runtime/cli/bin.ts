#!/usr/bin/env node
// The `tapfit` command. TypeScript configs and plugins load through tsx, registered on first need.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
