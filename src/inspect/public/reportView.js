import { el, formatMs } from './format.js';

// The comparison report once the run has finished: a summary table and the recommendations, with the
// full text report (as the CLI prints it) below.

/** A remote run's workers: who ran how many batches, their busy time and throughput (nothing for a local run). */
function workersTable(workers) {
  if (!workers) return '';
  const head = el('tr', {}, ...['worker', 'batches', 'share', 'items', 'failed', 'busy', 'items/busy s'].map((h) => el('th', {}, h)));
  const rows = workers.perWorker.map((w) =>
    el(
      'tr',
      { 'data-worker': w.name },
      el('td', {}, w.name),
      el('td', {}, String(w.batches)),
      el('td', {}, `${(w.batchShare * 100).toFixed(1)}%`),
      el('td', {}, String(w.items)),
      el('td', {}, String(w.itemsFailed)),
      el('td', {}, formatMs(w.busyMs)),
      el('td', {}, w.itemsPerBusySecond === null ? '–' : w.itemsPerBusySecond.toFixed(1)),
    ),
  );
  return el('table', { class: 'report-table workers-table' }, el('thead', {}, head), el('tbody', {}, ...rows));
}

export function renderReport(section, report, text) {
  if (!report) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  const names = Object.keys(report.scenarios);
  const head = el('tr', {}, ...['scenario', 'status', 'items', 'failed', 'batches', 'elapsed', 'busy', 'waiting', 'quality'].map((h) => el('th', {}, h)));
  const rows = names.map((name) => {
    const s = report.scenarios[name];
    const overall = s.qualityScores.overall ?? Object.values(s.qualityScores)[0];
    return el(
      'tr',
      { 'data-scenario': name },
      el('td', {}, name),
      el('td', { 'data-status': s.status }, s.failureReason ? `${s.status} (${s.failureReason.replaceAll('_', ' ')})` : s.status),
      el('td', {}, String(s.itemsProcessed)),
      el('td', {}, String(s.itemsFailed)),
      el('td', {}, String(s.batchCount)),
      el('td', {}, formatMs(s.elapsedMs)),
      el('td', {}, formatMs(s.busyMs)),
      el('td', {}, formatMs(s.waitingMs)),
      el('td', {}, typeof overall === 'number' ? overall.toFixed(3) : '–'),
    );
  });
  const ranking = report.comparison.qualityRanking.length > 0 ? el('p', {}, `Quality ranking: ${report.comparison.qualityRanking.join(' > ')}`) : '';
  section.querySelector('#report-summary').replaceChildren(
    el('table', { class: 'report-table' }, el('thead', {}, head), el('tbody', {}, ...rows)),
    ranking,
    workersTable(report.workers),
    el('ul', { class: 'recommendations' }, ...report.recommendations.map((r) => el('li', {}, r))),
  );
  section.querySelector('#report-text').textContent = text ?? '';
}
