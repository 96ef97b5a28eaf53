import { describe, expect, it } from 'vitest';
import { config, smallReport } from './fixtures.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { BatchRecord } from '../../src/persistence/SnapshotStore.ts';
import { buildWorkersReport, withWorkersReport } from '../../src/remote/workerReport.ts';
import { htmlReport } from '../../src/report/html/htmlReport.ts';
import { renderJson } from '../../src/report/renderJson.ts';
import { renderMarkdown } from '../../src/report/renderMarkdown.ts';
import { renderText } from '../../src/report/renderText.ts';
import { ReportSchema, type Report } from '../../src/report/schema.ts';

const ASSETS = { uplotJs: '', uplotCss: '', chartsJs: '' };

/** A journal row of `smallReport()`'s run (`run-1`), as the batch runner writes a remote batch's. */
function row(scenario: string, batchIndex: number, result: object, overrides: Partial<BatchRecord> = {}): BatchRecord {
  return {
    orchestrationId: 'run-1',
    scenario,
    batchIndex,
    attempt: 1,
    items: 10,
    itemsFailed: 0,
    qualityScore: 0.9,
    result,
    startedAt: 1_700_000_000_000 + batchIndex * 100,
    finishedAt: 1_700_000_000_050 + batchIndex * 100,
    ...overrides,
  };
}

const ok = (worker: string, workerBusyMs: number, busyMs?: number) => ({ qualityScore: 0.9, worker, workerBusyMs, ...(busyMs === undefined ? {} : { busyMs }) });

/** Worker a ran 3 batches of `simple` (one failed), worker b 1 of `simple` and 2 of `medium`, one `medium` batch came from the cache. */
async function journalOfTwoWorkers(): Promise<MemorySnapshotStore> {
  const store = new MemorySnapshotStore();
  const rows = [
    row('simple', 0, ok('host-a/101-aaaa', 200)),
    row('simple', 1, ok('host-b/202-bbbb', 100)),
    row('simple', 2, { error: 'upstream 503', worker: 'host-a/101-aaaa', workerBusyMs: 50, busyMs: 50 }, { itemsFailed: 10, qualityScore: null }),
    // With several batches in flight, busyMs is only the part no earlier batch covered: the worker's time is workerBusyMs.
    row('simple', 3, ok('host-a/101-aaaa', 250, 40)),
    row('medium', 0, ok('host-b/202-bbbb', 100)),
    row('medium', 1, { qualityScore: 0.9, cached: true }),
    row('medium', 2, ok('host-b/202-bbbb', 300)),
  ];
  for (const r of rows) await store.recordBatch(r);
  return store;
}

describe('the workers section of a remote run', () => {
  it('gives each worker its recorded batches, items, failed items, busy time, throughput and share, read from the journal', async () => {
    const report = await withWorkersReport(smallReport(), config, await journalOfTwoWorkers());
    expect(report.workers).toEqual({
      perWorker: [
        // 30 items, 10 failed: 20 processed over 500 ms of calls.
        { name: 'host-a/101-aaaa', batches: 3, items: 30, itemsFailed: 10, busyMs: 500, itemsPerBusySecond: 40, batchShare: 0.4286 },
        { name: 'host-b/202-bbbb', batches: 3, items: 30, itemsFailed: 0, busyMs: 500, itemsPerBusySecond: 60, batchShare: 0.4286 },
      ],
      batches: 7,
      otherBatches: 1,
      basis: expect.stringContaining('summed over its batches') as string,
    });
    // The report stays a valid `--json` report, with the section after the others.
    expect(ReportSchema.parse(JSON.parse(renderJson(report)))).toEqual(report);
  });

  it('reads a row written before workerBusyMs was kept by its busyMs, and names a worker whose calls took no measurable time without a throughput', () => {
    const workers = buildWorkersReport([row('simple', 0, { qualityScore: 0.9, worker: 'w1', busyMs: 125 }), row('simple', 1, ok('w0', 0))]);
    expect(workers?.perWorker).toEqual([
      { name: 'w0', batches: 1, items: 10, itemsFailed: 0, busyMs: 0, itemsPerBusySecond: null, batchShare: 0.5 },
      { name: 'w1', batches: 1, items: 10, itemsFailed: 0, busyMs: 125, itemsPerBusySecond: 80, batchShare: 0.5 },
    ]);
  });

  it('is absent when no recorded batch names a worker (a local run), in every format', async () => {
    const store = new MemorySnapshotStore();
    await store.recordBatch(row('simple', 0, { qualityScore: 0.9 }));
    const report = await withWorkersReport(smallReport(), config, store);
    expect(report).not.toHaveProperty('workers');
    expect(buildWorkersReport([])).toBeUndefined();
    expect(renderText(report)).not.toContain('Workers');
    expect(renderMarkdown(report)).not.toContain('Workers');
    expect(await htmlReport(report, undefined, ASSETS)).not.toContain('id="workers"');
  });

  describe('rendered', () => {
    let report: Report;
    const ready = async () => (report ??= await withWorkersReport(smallReport(), config, await journalOfTwoWorkers()));

    it('as text: a table after the scenarios, one aligned row per worker, and what the busy time is', async () => {
      const text = renderText(await ready());
      expect(text).toContain(
        [
          'Workers (2 ran 6 of 7 recorded batches)',
          '  Worker           Batches  Share  Items  Failed  Busy    Items/busy s',
          '  host-a/101-aaaa  3        42.9%  30     10      500 ms  40',
          '  host-b/202-bbbb  3        42.9%  30     0       500 ms  60',
          '  1 of 7 recorded batches ran on no worker (taken from the cache, or run in the orchestrating process)',
        ].join('\n'),
      );
      expect(text.indexOf('Workers (')).toBeGreaterThan(text.indexOf('Scenarios'));
      expect(text.indexOf('Workers (')).toBeLessThan(text.indexOf('Quality ('));
    });

    it('as Markdown: a section with a table', async () => {
      const md = renderMarkdown(await ready());
      expect(md).toContain(
        [
          '## Workers (2 ran 6 of 7 recorded batches)',
          '',
          '| Worker | Batches | Share | Items | Failed | Busy | Items/busy s |',
          '| --- | --- | --- | --- | --- | --- | --- |',
          '| host-a/101-aaaa | 3 | 42.9% | 30 | 10 | 500 ms | 40 |',
          '| host-b/202-bbbb | 3 | 42.9% | 30 | 0 | 500 ms | 60 |',
        ].join('\n'),
      );
    });

    it('as HTML: a workers section with the same table, worker names escaped', async () => {
      const base = await ready();
      const workers = base.workers;
      if (!workers) throw new Error('no workers section');
      const html = await htmlReport({ ...base, workers: { ...workers, perWorker: [{ ...workers.perWorker[0]!, name: '<b>evil</b>/1-x' }] } }, undefined, ASSETS);
      const section = /<section id="workers">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
      expect(section).toContain('<h2>Workers</h2>');
      expect(section).toContain('<td>&lt;b&gt;evil&lt;/b&gt;/1-x</td><td>3</td><td>42.9%</td><td>30</td><td>10</td><td>500 ms</td><td>40</td>');
      expect(section).not.toContain('<b>evil</b>');
      expect(html.indexOf('id="workers"')).toBeLessThan(html.indexOf('id="scaling"'));
    });
  });
});
