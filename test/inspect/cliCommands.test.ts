import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { diagramCommand } from '../../src/cli/commands/diagram.ts';
import { createCli } from '../../src/cli/createCli.ts';
import { parseInspectOption } from '../../src/cli/inspectRun.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { UsageError } from '../../src/errors.ts';
import type { InspectorView } from '../../src/inspect/inspectorView.ts';
import { runCli, startCli } from '../support/cliProcess.ts';

function memoryIO(): CliIO & { out: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  return { stdout, stderr, interactive: false, cwd: process.cwd(), env: {}, exitCode: 0, out: () => out };
}

describe('run --inspect', () => {
  it('is parsed by the CLI as a flag with an optional port or "stately"', () => {
    const parse = (...args: string[]) => {
      const cli = createCli(memoryIO());
      cli.parse(['node', 'scenarios', 'run', ...args], { run: false });
      return cli.options.inspect as unknown;
    };
    expect(parse('--inspect')).toBe(true);
    expect(parse('--inspect=4320')).toBe(4320);
    expect(parse('--inspect=stately')).toBe('stately');
    expect(parse()).toBeUndefined();
  });

  it('means our page on 4319 by default, another port, or the Stately inspector', () => {
    expect(parseInspectOption(undefined)).toBeUndefined();
    expect(parseInspectOption(true)).toEqual({ kind: 'page', port: 4319 });
    expect(parseInspectOption(4320)).toEqual({ kind: 'page', port: 4320 });
    expect(parseInspectOption(0)).toEqual({ kind: 'page', port: 0 });
    expect(parseInspectOption('stately')).toEqual({ kind: 'stately', port: 4319 });
    expect(parseInspectOption('stately:9000')).toEqual({ kind: 'stately', port: 9000 });
  });

  it('explains a config path swallowed as its value, and bad ports', () => {
    expect(() => parseInspectOption('my.json')).toThrow(UsageError);
    expect(() => parseInspectOption('my.json')).toThrow(/put the config file before --inspect/);
    expect(() => parseInspectOption(70_000)).toThrow('--inspect port must be 0-65535 (got 70000)');
  });
});

describe('run --inspect on a busy port', () => {
  it('fails as a usage error before creating the run, and says how to choose another port', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const result = await runCli(['run', 'test/fixtures/small-three.json', '--db', 'memory', `--inspect=${port}`]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use: choose another with --inspect=PORT`);
      expect(result.stdout).not.toContain('orchestration ');
    } finally {
      busy.close();
    }
  });
});

describe('scenarios diagram', () => {
  it('prints the orchestrator as Mermaid by default', async () => {
    const io = memoryIO();
    expect(await diagramCommand({}, io)).toBe(0);
    expect(io.out()).toMatch(/^stateDiagram-v2\n/);
    expect(io.out()).toContain('state "orchestrator" as orchestrator {');
  });

  it('prints a valid SVG document of either machine', async () => {
    for (const machine of ['orchestrator', 'scenario']) {
      const io = memoryIO();
      await diagramCommand({ machine, format: 'svg' }, io);
      expect(io.out()).toMatch(/^<\?xml /);
      expect(io.out()).toContain(`id="state:${machine}"`);
      expect(io.out().trimEnd().endsWith('</svg>')).toBe(true);
    }
  });

  it('rejects an unknown machine or format', async () => {
    await expect(diagramCommand({ machine: 'robot' }, memoryIO())).rejects.toThrow('--machine must be orchestrator or scenario (got "robot")');
    await expect(diagramCommand({ format: 'png' }, memoryIO())).rejects.toThrow('--format must be mermaid, dot, svg, json (got "png")');
  });
});

describe('scenarios inspect ID', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scenarios-inspect-'));
  const db = join(dir, 'db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a stored run as JSON, and serves its page until Ctrl+C', async () => {
    const ran = await runCli(['run', 'test/fixtures/small-three.json', '--db', db, '--id', 'orch-inspect1', '--json']);
    expect(ran.code, ran.stderr).toBe(0);

    const json = await runCli(['inspect', 'orch-inspect1', '--db', db, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const stored = JSON.parse(json.stdout) as { id: string; status: string; report: { orchestrationId: string } };
    expect(stored).toMatchObject({ id: 'orch-inspect1', status: 'complete', report: { orchestrationId: 'orch-inspect1' } });

    const served = startCli(['inspect', 'orch-inspect1', '--db', db, '--port', '0']);
    await served.waitFor(/inspector: http:\/\/127\.0\.0\.1:\d+\//);
    const url = /inspector: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(served.stderr())?.[1] ?? '';
    const view = (await (await fetch(`${url}api/state`)).json()) as InspectorView;
    expect(view).toMatchObject({ orchestrationId: 'orch-inspect1', live: false, stored: { status: 'complete' }, status: 'finished' });
    expect(served.stdout()).toContain('orch-inspect1: stored as complete');
    served.child.kill('SIGINT');
    expect(await served.exited).toBe(0);
  });

  it('says when there is no such run', async () => {
    const missing = await runCli(['inspect', 'orch-nope', '--db', db, '--json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no orchestration "orch-nope"');
  });
});
