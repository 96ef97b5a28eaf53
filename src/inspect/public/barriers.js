import { colourClass, el, formatMs } from './format.js';

// One row per barrier on a shared time axis (ms since the orchestration started): a dot per arrival,
// a line at the release, and for an open barrier its timeout deadline and who it still waits for.

/** When an open barrier times out (ms since the start): the server's deadline, else first arrival + timeout. */
function deadlineOf(barrier, timeoutMs) {
  return barrier.deadlineMs ?? (barrier.arrivals[0]?.elapsedMs ?? 0) + timeoutMs;
}

function describe(barrier, waitingFor, timeoutMs, nowMs) {
  const r = barrier.record;
  if (!r) {
    const deadline = deadlineOf(barrier, timeoutMs);
    const left = deadline - nowMs;
    const when = `times out at ${formatMs(deadline)}${left > 0 ? ` (in ${formatMs(left)})` : ''}`;
    return `open since ${formatMs(barrier.arrivals[0]?.elapsedMs ?? 0)}, ${when}; waiting for ${waitingFor.join(', ') || '–'}`;
  }
  const held = formatMs(r.releasedAtMs - r.openedAtMs);
  const how = r.releasedBy === 'timeout' ? `released by timeout after ${held}` : `released when all arrived, after ${held}`;
  return r.late.length > 0 ? `${how}; late: ${r.late.join(', ')}` : how;
}

/**
 * @param {HTMLElement} container
 * @param {object[]} barriers BarrierView[]
 * @param {{ names: string[], live: Set<string>, timeoutMs: number, nowMs: number }} context nowMs = ms since start
 */
export function renderBarriers(container, barriers, { names, live, timeoutMs, nowMs }) {
  if (barriers.length === 0) {
    container.replaceChildren(el('p', { class: 'empty' }, 'No barrier reached yet.'));
    return;
  }
  // The axis reaches the open barriers' deadlines, so each one's timeout mark is on it.
  const times = barriers.flatMap((b) => [...b.arrivals.map((a) => a.elapsedMs), b.record ? b.record.releasedAtMs : deadlineOf(b, timeoutMs)]);
  const scale = Math.max(1, ...times) * 1.05;
  const at = (ms) => `${Math.max(0, Math.min(100, (ms / scale) * 100))}%`;

  const rows = barriers.map((barrier) => {
    const arrived = new Set(barrier.arrivals.map((a) => a.scenario));
    const waitingFor = names.filter((n) => live.has(n) && !arrived.has(n));
    const lane = el('div', { class: 'lane' });
    const mark = (cls, ms, title, text = '') => {
      const node = el('span', { class: cls, title }, text);
      node.style.left = at(ms);
      lane.append(node);
    };
    const opened = barrier.record ? barrier.record.openedAtMs : (barrier.arrivals[0]?.elapsedMs ?? 0);
    const deadline = deadlineOf(barrier, timeoutMs);
    const end = barrier.record ? barrier.record.releasedAtMs : Math.max(opened, Math.min(nowMs, deadline));
    const span = el('span', { class: 'held' });
    span.style.left = at(opened);
    span.style.width = `calc(${at(end)} - ${at(opened)})`;
    lane.append(span);
    for (const a of barrier.arrivals) {
      const late = barrier.record?.late.includes(a.scenario) ?? false;
      mark(`arrival ${colourClass(names.indexOf(a.scenario))}${late ? ' late' : ''}`, a.elapsedMs, `${a.scenario} arrived at ${formatMs(a.elapsedMs)}${late ? ' (late)' : ''}`, a.scenario);
    }
    if (barrier.record) mark(`release ${barrier.record.releasedBy}`, barrier.record.releasedAtMs, `released by ${barrier.record.releasedBy} at ${formatMs(barrier.record.releasedAtMs)}`);
    else mark('deadline', deadline, `times out at ${formatMs(deadline)}`);
    return el(
      'div',
      {
        class: 'barrier',
        'data-milestone': barrier.milestone,
        'data-status': barrier.status,
        'data-released-by': barrier.record?.releasedBy,
        'data-deadline-ms': barrier.record ? undefined : deadline,
      },
      el('div', { class: 'barrier-head' }, el('strong', {}, `${barrier.milestone}%`), ' ', el('span', { class: 'barrier-summary' }, describe(barrier, waitingFor, timeoutMs, nowMs))),
      lane,
    );
  });
  const axis = el('div', { class: 'axis' }, el('span', {}, '0'), el('span', {}, formatMs(scale)));
  container.replaceChildren(...rows, axis);
}
