import { afterEach, describe, expect, it } from 'vitest';
import { RemoteTestbed, probeConfig, probeSkillSource, useRemoteServer } from '../support/remoteWorkers.ts';

/**
 * Issue 11: a worker whose skill differs from the run's (the same name and version, another module file
 * content: a stale or edited copy on its host) takes no batch of the run, though it is up and polling the
 * same queue the whole time; the worker with the run's skill takes them all.
 */

const server = useRemoteServer('remote skill version');

describe.skipIf(server.skip)('a scenarios worker with another version of the skill', () => {
  let bed: RemoteTestbed | undefined;
  afterEach(async () => {
    await bed?.dispose();
    bed = undefined;
  });

  it('takes no batch of the run: only the worker with the run\'s skill does', async () => {
    const t0 = Date.now();
    bed = await RemoteTestbed.create(server.current(), 'remote skill version');
    const testbed = bed;
    const skill = testbed.write('probe-skill.mjs', probeSkillSource('a'));
    const stale = testbed.write('stale-probe-skill.mjs', probeSkillSource('b'));
    const config = testbed.write('config.json', probeConfig(skill, { alpha: 60, beta: 60 }, { latencyMs: 150, parallelWorkers: 3 }));
    // The stale one first, so it polls the queue from before the first batch to after the last.
    const mismatched = await testbed.startWorker({ skill: stale, concurrency: 3 });
    const matching = await testbed.startWorker({ skill, concurrency: 3 });
    const tReady = Date.now();
    expect(mismatched.version).toMatch(/^remote-probe@1\.0\.0\+[0-9a-f]{12}$/);
    expect(matching.version).toMatch(/^remote-probe@1\.0\.0\+[0-9a-f]{12}$/);
    expect(mismatched.version).not.toBe(matching.version);

    const id = `orch-skill-version-${Date.now().toString(36)}`;
    const run = await testbed.runCli(['run', config, '--workers', 'remote', '--json', '--id', id, '--db', testbed.url]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { scenarios: Record<string, { status: string; itemsProcessed: number }> };
    for (const name of ['alpha', 'beta']) expect(report.scenarios[name], name).toMatchObject({ status: 'complete', itemsProcessed: 60 });

    const rows = await testbed.journal(id);
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r) => r.worker))).toEqual(new Set([matching.name]));
    // DBOS never handed it one either, and every batch went out under the run's skill version.
    const workflows = await testbed.workflows(id);
    expect(workflows).toHaveLength(12);
    for (const w of workflows) expect(w, w.workflow_uuid).toMatchObject({ status: 'SUCCESS', executor_id: matching.name, application_version: matching.version });
    // Its --verbose output has no batch line, and its skill was never called; it was up all along.
    expect(mismatched.process.stderr()).not.toMatch(/ batch \d+/);
    expect(testbed.executions().filter((e) => e.pid === mismatched.process.pid)).toEqual([]);
    expect(mismatched.process.child.exitCode).toBeNull();
    expect(matching.process.stderr().match(new RegExp(`^${id} \\S+ batch \\d+: `, 'gm'))).toHaveLength(12);

    console.info(`remote skill version: ${mismatched.name} (${mismatched.version}, ${mismatched.where}) took nothing, ${matching.name} (${matching.version}) took 12; workers ready at ${tReady - t0} ms; server ${server.current().kind}; ${Date.now() - t0} ms in all`);
  }, 180_000);
});
