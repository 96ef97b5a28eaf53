import { renderBarriers } from './barriers.js';
import { renderCards } from './cards.js';
import { createCharts } from './charts.js';
import { LiveProgressHistory, liveChartData } from './liveCharts.js';
import { EventLog } from './eventLog.js';
import { setText } from './format.js';
import { renderReport } from './reportView.js';
import { highlight, loadChart } from './statecharts.js';

// The inspector page: one EventSource to /api/events. Each (re)connect starts with a full `snapshot`, so
// a page that lost its stream catches up at once; `delta`s then carry what changed. Controls POST to
// /api/{pause,resume,cancel}. No framework and no network beyond this server.

const $ = (selector) => document.querySelector(selector);

const state = {
  view: null,
  scenarios: new Map(),
  actors: new Map(),
  /** serverTime − Date.now() when the last message arrived: elapsed times tick on the server's clock. */
  clockOffset: 0,
  connected: false,
  reconnects: 0,
};

const log = new EventLog($('#log'));
// Progress over time is drawn from the updates as they arrive (the stream sends each scenario's current state).
const progressHistory = new LiveProgressHistory();
const runCharts = createCharts($('#live-charts'));
const charts = { orchestrator: $('#chart-orchestrator'), scenario: $('#chart-scenario') };
const chartsReady = Promise.all(Object.values(charts).map((figure) => loadChart(figure).catch((error) => showError(String(error)))));

function serverNow() {
  return Date.now() + state.clockOffset;
}

function applySnapshot(view) {
  state.view = view;
  state.scenarios = new Map(view.scenarios.map((s) => [s.name, s]));
  state.actors = new Map(view.actors.map((a) => [a.id, a]));
  state.clockOffset = view.serverTime - Date.now();
  progressHistory.record(view.startedAt, view.scenarios, view.serverTime, view.live);
  log.reset(view.log, view.logSkipped);
  scheduleRender();
}

function applyDelta(delta) {
  const view = state.view;
  if (!view) return;
  state.clockOffset = delta.serverTime - Date.now();
  if (delta.status !== undefined) view.status = delta.status;
  if (delta.startedAt !== undefined) view.startedAt = delta.startedAt;
  for (const s of delta.scenarios ?? []) state.scenarios.set(s.name, s);
  for (const a of delta.actors ?? []) state.actors.set(a.id, a);
  if (delta.barriers) view.barriers = delta.barriers;
  if (delta.report) view.report = delta.report;
  if (delta.reportText) view.reportText = delta.reportText;
  if (delta.error) view.error = delta.error;
  if (delta.log) log.append(delta.log, delta.logSkipped);
  if (delta.scenarios) progressHistory.record(view.startedAt, [...state.scenarios.values()], delta.serverTime, view.live);
  scheduleRender();
}

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function controllable() {
  const view = state.view;
  return Boolean(view && view.live && state.connected && view.status !== 'finished' && view.status !== 'failed');
}

function render() {
  const view = state.view;
  if (!view) return;
  setText($('#run-id'), view.orchestrationId);
  setText($('#run-skill'), view.skill);
  const status = $('#run-status');
  status.dataset.status = view.status;
  setText(status, view.stored ? `stored · ${view.stored.status}` : view.status);
  document.title = `${view.orchestrationId} · ${view.status} · Scenario inspector`;

  const banner = $('#stored-banner');
  banner.hidden = !view.stored;
  if (view.stored) setText(banner, `Stored orchestration, saved as "${view.stored.status}". This is its last saved state; nothing is running.`);
  const errorBanner = $('#error-banner');
  errorBanner.hidden = !view.error;
  setText(errorBanner, !view.error ? '' : view.status === 'failed' ? `The orchestration failed: ${view.error}` : view.error);

  const scenarios = view.scenarios.map((s) => state.scenarios.get(s.name) ?? s);
  renderCards($('#cards'), scenarios, { controllable: controllable(), serverNow: serverNow(), ticking: Boolean(view.live) && view.status === 'running' });
  for (const button of document.querySelectorAll('#run-controls button')) button.disabled = !controllable();

  const names = scenarios.map((s) => s.name);
  const focus = $('#chart-focus');
  if (focus.options.length !== names.length + 1) {
    focus.replaceChildren(focus.options[0], ...names.map((n) => new Option(n, n)));
  }
  const actors = [...state.actors.values()];
  const orchestrator = actors.filter((a) => a.machine === 'orchestrator').map((a) => ({ name: '', activeStates: a.activeStates, index: 0 }));
  const scenarioActors = actors
    .filter((a) => a.machine === 'scenario')
    .map((a) => {
      const name = a.id.replace(/^scenario:/, '');
      return { name, activeStates: a.activeStates, index: names.indexOf(name) };
    })
    .filter((a) => !focus.value || a.name === focus.value);
  void chartsReady.then(() => {
    highlight(charts.orchestrator, orchestrator);
    highlight(charts.scenario, scenarioActors);
  });

  const live = new Set(scenarios.filter((s) => s.progress.status !== 'complete' && s.progress.status !== 'failed').map((s) => s.name));
  const nowMs = view.startedAt === null ? 0 : serverNow() - view.startedAt;
  renderBarriers($('#barrier-timeline'), view.barriers, { names, live, timeoutMs: view.barrierTimeoutMs, nowMs });
  runCharts.update(liveChartData(progressHistory, { startedAt: view.startedAt, scenarios, barriers: view.barriers, report: view.report, nowMs }));
  renderReport($('#report'), view.report, view.reportText);
  log.setOrigin(view.stored ? 'Rebuilt from the store, which keeps no live events: milestones, barriers, batches, errors and outcomes.' : '');
  log.render();
  renderConnection();
}

/** The connection badge: `live` only while a live run can still change; a stored or ended run says so. */
function renderConnection() {
  const node = $('#connection');
  const view = state.view;
  const label = !state.connected ? 'reconnecting' : view?.stored ? 'stored' : view && (view.status === 'finished' || view.status === 'failed') ? 'finished' : 'live';
  node.dataset.state = label;
  node.dataset.reconnects = String(state.reconnects);
  setText(node, label === 'reconnecting' ? 'connection lost · reconnecting…' : label);
}

function setConnection(connected) {
  state.connected = connected;
  renderConnection();
  scheduleRender();
}

function connect() {
  const source = new EventSource('/api/events');
  source.addEventListener('snapshot', (e) => {
    setConnection(true);
    applySnapshot(JSON.parse(e.data));
  });
  source.addEventListener('delta', (e) => applyDelta(JSON.parse(e.data)));
  source.addEventListener('error', () => {
    if (state.connected) state.reconnects += 1;
    setConnection(false);
    // EventSource retries by itself unless the server answered with an error status; then start over.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
  });
}

let toastTimer;
function showError(message) {
  const toast = $('#toast');
  toast.hidden = false;
  toast.textContent = message;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toast.hidden = true), 5000);
}

async function sendControl(action, scenario) {
  try {
    const response = await fetch(`/api/${action}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(scenario ? { scenario } : {}),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      showError(body.error ?? `${action} failed: HTTP ${response.status}`);
    }
  } catch (error) {
    showError(`${action} failed: ${error}`);
  }
}

document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-action]') : null;
  if (!button || button.disabled) return;
  const { action, scenario } = button.dataset;
  if (action === 'cancel' && !confirm('Cancel every scenario that is still running?')) return;
  void sendControl(action, scenario);
});
$('#chart-focus').addEventListener('change', scheduleRender);

// Elapsed times and open barriers move with the clock, not only with events.
setInterval(() => {
  if (state.view && state.view.status === 'running') scheduleRender();
}, 500);

connect();
