#!/usr/bin/env node
// Runs the TypeScript sources through tsx, which also lets `--skill my-skill.ts` load TypeScript skills.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
