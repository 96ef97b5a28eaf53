import { colourClass, el, formatMs, formatState, setText } from './format.js';

// One card per scenario: status, state, progress bar, items, batches, milestone, elapsed, errors and
// per-scenario pause/resume. Cards are created once and then updated in place.

const cards = new Map();

function createCard(name, index) {
  const field = (key) => el('dd', { 'data-field': key }, '–');
  const card = el(
    'article',
    { class: `card ${colourClass(index)}`, 'data-scenario': name },
    el('header', {}, el('h3', {}, el('span', { class: 'swatch' }), name), el('span', { class: 'status', 'data-field': 'status' }, '')),
    el('p', { class: 'state', 'data-field': 'state', title: 'state path in the scenario statechart' }, ''),
    el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, el('span', { class: 'fill' })),
    el(
      'dl',
      {},
      el('dt', {}, 'Progress'), field('pct'),
      el('dt', {}, 'Items'), field('items'),
      el('dt', {}, 'Batches'), field('batches'),
      el('dt', {}, 'Milestone'), field('milestone'),
      el('dt', {}, 'Elapsed'), field('elapsed'),
      el('dt', {}, 'Errors'), field('errors'),
      el('dt', { 'data-label': 'worker', hidden: true }, 'Last worker'), el('dd', { 'data-field': 'worker', hidden: true }, '–'),
    ),
    el('p', { class: 'last-error', 'data-field': 'last-error', hidden: true }, ''),
    el(
      'div',
      { class: 'card-controls' },
      el('button', { type: 'button', 'data-action': 'pause', 'data-scenario': name }, 'Pause'),
      el('button', { type: 'button', 'data-action': 'resume', 'data-scenario': name }, 'Resume'),
    ),
  );
  return card;
}

/** What the status badge says: a pause asked for but still finishing its batch shows as `pausing`. */
function statusLabel(scenario) {
  const { progress, state } = scenario;
  if (progress.status === 'failed') return progress.failureReason ? `failed (${progress.failureReason.replaceAll('_', ' ')})` : 'failed';
  if (progress.status === 'running' && state.endsWith('draining')) return 'pausing';
  if (progress.status === 'running' && state.endsWith('atBarrier')) return 'at barrier';
  return progress.status;
}

/** Elapsed time ticks on the server's clock only while a live run goes on; otherwise it is the recorded one. */
function elapsedOf(progress, serverNow, ticking) {
  if (!ticking || progress.finishedAt !== null || progress.startedAt === null) return progress.elapsedMs;
  return Math.max(progress.elapsedMs, serverNow - progress.startedAt);
}

/**
 * @param {HTMLElement} container
 * @param {Array<{name: string, state: string, progress: object}>} scenarios in config order
 * @param {{ controllable: boolean, serverNow: number, ticking: boolean }} options ticking: a live run is going on
 */
export function renderCards(container, scenarios, { controllable, serverNow, ticking }) {
  scenarios.forEach((scenario, index) => {
    let card = cards.get(scenario.name);
    if (!card || !card.isConnected) {
      card = createCard(scenario.name, index);
      cards.set(scenario.name, card);
      container.append(card);
    }
    const p = scenario.progress;
    const get = (key) => card.querySelector(`[data-field="${key}"]`);
    card.dataset.status = p.status;
    card.dataset.items = String(p.itemsProcessed + p.itemsFailed);
    setText(get('status'), statusLabel(scenario));
    setText(get('state'), formatState(scenario.state));
    const pct = Math.max(0, Math.min(100, p.progressPct));
    card.querySelector('.fill').style.width = `${pct}%`;
    card.querySelector('.bar').setAttribute('aria-valuenow', String(Math.round(pct)));
    setText(get('pct'), `${pct.toFixed(0)}%`);
    setText(get('items'), `${p.itemsProcessed + p.itemsFailed} / ${p.inputSize}${p.itemsFailed > 0 ? ` (${p.itemsFailed} failed)` : ''}`);
    setText(get('batches'), `${p.batchCount} / ${p.batchesTotal}${p.retries > 0 ? ` · ${p.retries} retries` : ''}`);
    setText(get('milestone'), p.currentMilestone === null ? '–' : `${p.currentMilestone}%`);
    setText(get('elapsed'), formatMs(elapsedOf(p, serverNow, ticking)));
    setText(get('errors'), String(p.errorCount));
    // A remote run's cards name the worker that ran the scenario's latest batch (none for a local run).
    const worker = get('worker');
    worker.hidden = !scenario.worker;
    card.querySelector('[data-label="worker"]').hidden = !scenario.worker;
    setText(worker, scenario.worker ?? '–');
    const last = p.errors[p.errors.length - 1];
    const lastError = get('last-error');
    lastError.hidden = !last;
    setText(lastError, last ? `last error: ${last.message}` : '');
    const done = p.status === 'complete' || p.status === 'failed';
    const pausable = controllable && !done && p.status !== 'paused' && !scenario.state.endsWith('draining');
    card.querySelector('[data-action="pause"]').disabled = !pausable;
    card.querySelector('[data-action="resume"]').disabled = !(controllable && !done && (p.status === 'paused' || scenario.state.endsWith('draining')));
  });
}
