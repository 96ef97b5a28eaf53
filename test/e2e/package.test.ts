import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cliProcess.ts';

describe('the built package', () => {
  it('imports and runs on plain Node, without a TypeScript loader (npm install builds dist/)', async () => {
    const script = `
      import { createOrchestration, defaultConfig } from 'scenario-orchestrator';
      const run = createOrchestration({ ...defaultConfig, skill: { name: 'simulated', params: { latencyMs: 0 } } });
      run.start();
      const report = await run.result;
      console.log(JSON.stringify(Object.values(report.scenarios).map((s) => s.status)));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot });
    expect(JSON.parse(stdout)).toEqual(['complete', 'complete', 'complete']);
  });
});
