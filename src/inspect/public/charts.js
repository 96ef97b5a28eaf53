// The run's charts, drawn with uPlot (the global `uPlot`, loaded before this module): progress over time per
// scenario with barrier waits shaded and milestones marked, busy time per item against items with the scaling
// fit and its 95% CI, and quality per scenario with 95% CIs. One module for both pages: the HTML report inlines
// it and calls renderCharts once with the data it embeds (src/report/html/chartData.ts builds that data from
// the journal); the live inspector imports it and calls update() with data built from its stream
// (liveCharts.js). It imports nothing, so it can be inlined into a page that loads no files.

const PALETTE = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2', '#65a30d', '#dc2626'];
const INK = '#0f172a';
const MUTED = '#64748b';
const GRID = '#e8edf3';

/** A scenario's colour by its index: the same order as the inspector's cards (--scn-0 … --scn-7). */
export function colourOf(index) {
  return PALETTE[index % PALETTE.length];
}

function withAlpha(hex, alpha) {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function element(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const round = (value, digits = 3) => Number(value.toFixed(digits));

// --- Pure helpers (unit-tested in test/inspect/charts.test.ts) ---

/** Items processed at `ms` on a progress series, interpolated along the line drawn between its points. */
export function itemsAt(points, ms) {
  if (points.length === 0) return 0;
  let previous = points[0];
  if (ms <= previous[0]) return previous[1];
  for (const point of points) {
    if (point[0] >= ms) {
      const span = point[0] - previous[0];
      return span === 0 ? point[1] : previous[1] + ((point[1] - previous[1]) * (ms - previous[0])) / span;
    }
    previous = point;
  }
  return previous[1];
}

/**
 * Busy ms per item along the scaling fit: the log-log line of busy time against items has slope `exponent`
 * and passes through the mean of the points' logs (as a least-squares line does), so per item it is
 * exp(centre.busy + exponent × (ln x − centre.items)) / x. The CI band pivots on the same centre.
 */
export function fitCentre(points) {
  if (points.length === 0) return null;
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  return { logItems: mean(points.map((p) => Math.log(p.items))), logBusyMs: mean(points.map((p) => Math.log(p.busyMs))) };
}

export function perItemOnFit(centre, exponent, items) {
  return Math.exp(centre.logBusyMs + exponent * (Math.log(items) - centre.logItems)) / items;
}

/** `count` item counts spread evenly on a log scale from `low` to `high`. */
export function logSpaced(low, high, count) {
  if (!(low > 0) || !(high > low) || count < 2) return low > 0 ? [low] : [];
  const step = (Math.log(high) - Math.log(low)) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.exp(Math.log(low) + i * step));
}

/**
 * Rows for labels that would overlap on one line: each label ({ start, end } in pixels) takes the first row
 * whose last label ends `gap` before it starts, in order of `start`. A label that fits in none of `maxRows`
 * rows gets null and is not drawn (its line still is; the tables name it). Returns rows in the given order.
 */
export function labelRows(labels, gap, maxRows) {
  const rowEnds = [];
  const rows = new Array(labels.length).fill(null);
  const order = labels.map((label, i) => ({ label, i })).sort((a, b) => a.label.start - b.label.start);
  for (const { label, i } of order) {
    let row = rowEnds.findIndex((end) => end + gap <= label.start);
    if (row === -1 && rowEnds.length < maxRows) row = rowEnds.length;
    if (row === -1) continue;
    rowEnds[row] = label.end;
    rows[i] = row;
  }
  return rows;
}

/** A length of time as the notes say it: "850 ms", "19 s", "2 min 5 s". */
export function formatDuration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? round(seconds, 1) : Math.round(seconds)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min${whole % 60 === 0 ? '' : ` ${whole % 60} s`}`;
}

/** Per-scenario [x, y] tables with strictly rising x (a repeated time keeps its last value). */
function strictlyRising(points, toX) {
  const xs = [];
  const ys = [];
  for (const [x, y] of points) {
    const at = toX(x);
    if (xs.length > 0 && at <= xs[xs.length - 1]) ys[ys.length - 1] = y;
    else {
      xs.push(at);
      ys.push(y);
    }
  }
  return [xs, ys];
}

// --- Drawing ---

function baseOptions(width, height) {
  return {
    width,
    height,
    // A static legend: names and colours (values under the cursor would only repeat the axes).
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    padding: [12, 16, 0, 0],
  };
}

function axis(label, extra = {}) {
  return { label, stroke: MUTED, labelFont: '600 12px system-ui, sans-serif', font: '11px system-ui, sans-serif', grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID }, ...extra };
}

/** Clips to the plotting area and runs `draw(ctx, px)` with px = canvas pixels per CSS pixel. */
function inPlot(u, draw) {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  // uPlot leaves the alignment of its last axis labels (right, middle) on the context; overlays place text by its start.
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  draw(ctx, globalThis.uPlot.pxRatio || 1);
  ctx.restore();
}

/**
 * Labels beside vertical lines at canvas x `xs`, staggered into rows so none overlaps another (see labelRows);
 * a label that would run off the plot's right edge sits left of its line. `rowY(row)` gives a row's baseline.
 */
function drawLineLabels(u, ctx, px, labels, rowY, margin = 4) {
  const right = u.bbox.left + u.bbox.width;
  const placed = labels.map(({ x, text }) => {
    const width = ctx.measureText(text).width;
    const start = x + margin * px + width > right ? x - margin * px - width : x + margin * px;
    return { start, end: start + width, text };
  });
  const rows = labelRows(placed, 6 * px, 3);
  placed.forEach((label, i) => {
    const row = rows[i];
    if (row === null || row === undefined) return;
    // A white halo keeps the label readable where a series' line runs under it.
    ctx.save();
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
    ctx.lineWidth = 3 * px;
    ctx.lineJoin = 'round';
    ctx.strokeText(label.text, label.start, rowY(row));
    ctx.restore();
    ctx.fillText(label.text, label.start, rowY(row));
  });
}

function progressSpec(data, width) {
  const names = data.scenarios;
  if (names.length === 0) return null;
  // Live data (liveCharts.js) has no journal to find down periods in.
  const downtime = data.progress.downtime ?? { periods: [], unplacedMs: 0 };
  const series = new Map(data.progress.series.map((s) => [s.scenario, s.points]));
  const tables = names.map((name) => strictlyRising(series.get(name) ?? [[0, 0]], (ms) => ms / 1000));
  const aligned = globalThis.uPlot.join(tables);
  const drawOverlays = (u) =>
    inPlot(u, (ctx, px) => {
      // Each scenario's wait at a barrier: a band in its colour along the flat stretch from its arrival to the release.
      const releases = new Map();
      for (const wait of data.progress.barrierWaits) {
        const index = names.indexOf(wait.scenario);
        releases.set(wait.milestone, Math.max(releases.get(wait.milestone) ?? 0, wait.toMs));
        if (index < 0 || !u.series[index + 1].show) continue;
        const x1 = u.valToPos(wait.fromMs / 1000, 'x', true);
        const x2 = Math.max(x1 + 2 * px, u.valToPos(wait.toMs / 1000, 'x', true));
        const y = u.valToPos(itemsAt(series.get(wait.scenario) ?? [], wait.fromMs), 'y', true);
        ctx.fillStyle = withAlpha(colourOf(index), 0.3);
        ctx.fillRect(x1, y - 7 * px, x2 - x1, 14 * px);
      }
      ctx.font = `${11 * px}px system-ui, sans-serif`;
      const releaseLabels = [];
      for (const [milestone, toMs] of releases) {
        const x = u.valToPos(toMs / 1000, 'x', true);
        ctx.strokeStyle = MUTED;
        ctx.setLineDash([4 * px, 4 * px]);
        ctx.lineWidth = px;
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.setLineDash([]);
        releaseLabels.push({ x, text: `barrier ${milestone}%` });
      }
      // Barriers released close together would write their labels over each other: one row each, as needed.
      ctx.fillStyle = MUTED;
      drawLineLabels(u, ctx, px, releaseLabels, (row) => u.bbox.top + (12 + 13 * row) * px);
      // Where the process was down: cut out of the axis, marked by a break (a white gap between two slanted
      // strokes) and its length at the foot of the plot.
      const downLabels = [];
      for (const period of downtime.periods) {
        const x = u.valToPos(period.atMs / 1000, 'x', true);
        const top = u.bbox.top;
        const bottom = top + u.bbox.height;
        const half = 4 * px;
        const slant = 4 * px;
        // The gap between the strokes hides the lines crossing it, so they read as cut.
        ctx.fillStyle = '#fff';
        ctx.beginPath();
        ctx.moveTo(x - half - slant, bottom);
        ctx.lineTo(x - half + slant, top);
        ctx.lineTo(x + half + slant, top);
        ctx.lineTo(x + half - slant, bottom);
        ctx.closePath();
        ctx.fill();
        ctx.strokeStyle = INK;
        ctx.lineWidth = 1.5 * px;
        ctx.beginPath();
        for (const dx of [-half, half]) {
          ctx.moveTo(x + dx - slant, bottom);
          ctx.lineTo(x + dx + slant, top);
        }
        ctx.stroke();
        downLabels.push({ x, text: `process down ${formatDuration(period.downMs)}` });
      }
      ctx.fillStyle = INK;
      drawLineLabels(u, ctx, px, downLabels, (row) => u.bbox.top + u.bbox.height - (6 + 13 * row) * px, 12);
      // Milestones: a diamond on the scenario's line where it reached each one; those reached by one batch share it.
      const marks = new Map();
      for (const m of data.progress.milestones) {
        const key = `${m.scenario}\u0000${m.atMs}`;
        const mark = marks.get(key);
        if (mark) mark.milestone = `${mark.milestone}/${m.milestone}`;
        else marks.set(key, { ...m });
      }
      for (const m of marks.values()) {
        const index = names.indexOf(m.scenario);
        if (index < 0 || !u.series[index + 1].show) continue;
        const x = u.valToPos(m.atMs / 1000, 'x', true);
        const y = u.valToPos(itemsAt(series.get(m.scenario) ?? [], m.atMs), 'y', true);
        const r = 5 * px;
        ctx.fillStyle = colourOf(index);
        ctx.strokeStyle = '#fff';
        ctx.lineWidth = px;
        ctx.beginPath();
        ctx.moveTo(x, y - r);
        ctx.lineTo(x + r, y);
        ctx.lineTo(x, y + r);
        ctx.lineTo(x - r, y);
        ctx.closePath();
        ctx.fill();
        ctx.stroke();
        ctx.fillStyle = INK;
        // Beside the diamond, or before it where the plot's right edge would cut the label.
        const label = `${m.milestone}%`;
        const width = ctx.measureText(label).width;
        const right = u.bbox.left + u.bbox.width;
        ctx.fillText(label, x + r + 2 * px + width > right ? x - r - 2 * px - width : x + r + 2 * px, y - r);
      }
    });
  const opts = {
    ...baseOptions(width, 320),
    scales: { x: { time: false } },
    axes: [axis(downtime.periods.length > 0 ? 'seconds since the run started, process downtime left out' : 'seconds since the run started'), axis('items processed', { size: 64 })],
    series: [
      { label: 'time', value: (u, v) => (v === null || v === undefined ? '–' : `${round(v, 2)} s`) },
      ...names.map((name, i) => ({ label: name, stroke: colourOf(i), width: 2, spanGaps: true, points: { show: false } })),
    ],
  };
  const count = data.progress.series.reduce((total, s) => total + s.points.length, 0);
  const down = downtime.periods.map((p) => `${formatDuration(p.downMs)} after ${formatDuration(p.atMs)}`);
  const downNote =
    down.length === 0
      ? ''
      : ` The process was down ${down.join(', ')}: left out of the time axis, as from every other figure of the report, and marked by a break.`;
  const unplacedNote = downtime.unplacedMs > 0 ? ` ${formatDuration(downtime.unplacedMs)} of downtime had no idle stretch in the journal to sit in, so it is still on the axis.` : '';
  const note = `Shaded: each scenario waiting at a barrier (arrival to release; dashed line: the release). Diamonds: milestones.${downNote}${unplacedNote}`;
  return { key: `progress|${names.join('\u0000')}|${downtime.periods.length > 0 ? 'down' : ''}`, opts, aligned, count, draw: drawOverlays, note };
}

function timePerItemSpec(data, width) {
  const names = data.scenarios;
  const points = data.timePerItem.points;
  if (points.length === 0) return null;
  const fit = data.timePerItem.fit;
  const fitted = points.filter((p) => p.complete);
  const centre = fit ? fitCentre(fitted) : null;
  const itemsOf = points.map((p) => p.items);
  const curveXs = centre ? logSpaced(Math.min(...itemsOf) / 1.5, Math.max(...itemsOf) * 1.5, 40) : [];
  const xs = [...new Set([...itemsOf, ...curveXs])].sort((a, b) => a - b);
  const byScenario = new Map(points.map((p) => [p.scenario, p]));
  const curve = new Set(curveXs);
  const aligned = [
    xs,
    ...names.map((name) => {
      const p = byScenario.get(name);
      return xs.map((x) => (p && p.items === x ? p.busyMs / p.items : null));
    }),
  ];
  const series = [
    { label: 'items', value: (u, v) => (v === null || v === undefined ? '–' : String(Math.round(v))) },
    // A scenario that did not complete (failed, or still running) is hollow: the fit leaves it out.
    ...names.map((name, i) => {
      const complete = byScenario.get(name)?.complete !== false;
      return { label: name, stroke: colourOf(i), fill: colourOf(i), paths: () => null, points: { show: true, size: 11, fill: complete ? colourOf(i) : '#fff', stroke: complete ? '#fff' : colourOf(i), width: complete ? 1.5 : 2.5 } };
    }),
  ];
  let drawBand;
  if (centre) {
    aligned.push(xs.map((x) => (curve.has(x) ? perItemOnFit(centre, fit.exponent, x) : null)));
    series.push({ label: `fit: exponent ${round(fit.exponent)}`, stroke: INK, width: 1.5, dash: [6, 4], spanGaps: true, points: { show: false } });
    if (fit.ci95) {
      // The exponent's CI as a band: every line through the centre with a slope inside the interval.
      drawBand = (u) =>
          inPlot(u, (ctx) => {
            const upper = curveXs.map((x) => Math.max(perItemOnFit(centre, fit.ci95.low, x), perItemOnFit(centre, fit.ci95.high, x)));
            const lower = curveXs.map((x) => Math.min(perItemOnFit(centre, fit.ci95.low, x), perItemOnFit(centre, fit.ci95.high, x)));
            ctx.fillStyle = 'rgba(100, 116, 139, 0.16)';
            ctx.beginPath();
            curveXs.forEach((x, i) => ctx.lineTo(u.valToPos(x, 'x', true), u.valToPos(upper[i], 'y', true)));
            for (let i = curveXs.length - 1; i >= 0; i -= 1) ctx.lineTo(u.valToPos(curveXs[i], 'x', true), u.valToPos(lower[i], 'y', true));
            ctx.closePath();
            ctx.fill();
          });
    }
  }
  const opts = {
    ...baseOptions(width, 320),
    scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
    axes: [axis('items the skill processed (log)'), axis('busy ms per item (log)', { size: 64 })],
    series,
  };
  const ci = fit?.ci95 ? `, 95% CI ${round(fit.ci95.low)} to ${round(fit.ci95.high)} (grey band)` : '';
  const hollow = points.some((p) => !p.complete) ? ' Hollow: not completed (yet), so not in the fit.' : '';
  const note = fit
    ? `One point per scenario.${hollow} Dashed: the scaling fit of busy time against items (log-log), drawn per item: exponent ${round(fit.exponent)}${ci}, ${fit.verdict}.`
    : `One point per scenario.${hollow} The scaling fit appears when the report has an exponent.`;
  const completion = names.map((name) => (byScenario.get(name)?.complete === false ? 0 : 1)).join('');
  return { key: `tpi|${names.join('\u0000')}|${completion}|${centre ? 'fit' : ''}`, opts, aligned, count: points.length, drawAxes: drawBand, note };
}

function qualitySpec(data, width) {
  const names = data.scenarios;
  const estimates = data.quality.scenarios;
  if (estimates.length === 0) return null;
  const byScenario = new Map(estimates.map((q) => [q.scenario, q]));
  const xs = names.map((_, i) => i);
  const aligned = [xs, ...names.map((name, i) => xs.map((x) => (x === i ? (byScenario.get(name)?.estimate ?? null) : null)))];
  const values = estimates.flatMap((q) => [q.estimate, q.low, q.high].filter((v) => v !== null));
  const lowest = Math.min(...values);
  const highest = Math.max(...values);
  const pad = Math.max((highest - lowest) * 0.15, 0.01);
  const whiskers = (u) =>
    inPlot(u, (ctx, px) => {
      for (const q of estimates) {
        const index = names.indexOf(q.scenario);
        if (index < 0 || q.low === null || q.high === null || !u.series[index + 1].show) continue;
        whisker(u, ctx, px, u.valToPos(index, 'x', true), q.low, q.high, colourOf(index), 8);
      }
    });
  const short = (name) => (name.length > 18 ? `${name.slice(0, 17)}…` : name);
  const basis = data.quality.basis;
  const opts = {
    ...baseOptions(width, 320),
    scales: { x: { time: false, range: [-0.5, names.length - 0.5] }, y: {} },
    axes: [
      axis('', { splits: () => xs, values: (u, splits) => splits.map((i) => short(names[i] ?? '')), grid: { show: false } }),
      axis(basis === 'running' ? 'quality so far' : 'quality (mean, 95% CI)', { size: 64 }),
    ],
    series: [
      { label: 'scenario', value: (u, v) => (v === null || v === undefined ? '–' : (names[v] ?? '–')) },
      ...names.map((name, i) => ({ label: name, stroke: colourOf(i), paths: () => null, points: { show: true, size: 12, fill: colourOf(i), stroke: '#fff', width: 1.5 } })),
    ],
  };
  const note =
    basis === 'batches'
      ? "The skill's qualityScore: mean over the run's batches (each batch one sample) with a Student's t 95% CI."
      : basis === 'repeats'
        ? 'Quality per scenario over repeated runs, with 95% CIs.'
        : 'Running mean of the skill\'s qualityScore (item-weighted); the HTML report adds 95% CIs from the batch journal.';
  // Scores live in 0..1: the axis keeps close to the data but does not pass 1 unless a figure does.
  const yRange = [Math.max(0, lowest - pad), highest <= 1 ? Math.min(1, highest + pad) : highest + pad];
  return { key: `quality|${names.join('\u0000')}`, opts, aligned, count: estimates.length, draw: whiskers, yRange, note };
}

/** Version a and b of an A/B run: their own colours, not a scenario's. */
const AB_COLOURS = { a: '#0f766e', b: '#c2410c' };

/** Whiskers of a 95% CI at canvas x, in `colour`, capped `halfWidth` CSS pixels either side. */
function whisker(u, ctx, px, x, low, high, colour, halfWidth = 6) {
  const top = u.valToPos(high, 'y', true);
  const bottom = u.valToPos(low, 'y', true);
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2 * px;
  ctx.beginPath();
  ctx.moveTo(x, top);
  ctx.lineTo(x, bottom);
  for (const y of [top, bottom]) {
    ctx.moveTo(x - halfWidth * px, y);
    ctx.lineTo(x + halfWidth * px, y);
  }
  ctx.stroke();
}

/** An A/B run: each scenario's quality of a (left) and b (right), means of their per-batch scores with 95% CIs. */
function abSpec(data, width) {
  const rows = (data.ab?.scenarios ?? []).filter((row) => row.a !== null || row.b !== null);
  if (!data.ab || rows.length === 0) return null;
  const { versions } = data.ab;
  const OFFSET = 0.16;
  const xs = rows.flatMap((_, i) => [i - OFFSET, i + OFFSET]);
  const at = (side) => xs.map((_, k) => (k % 2 === (side === 'a' ? 0 : 1) ? (rows[k >> 1][side]?.mean ?? null) : null));
  const aligned = [xs, at('a'), at('b')];
  const values = rows.flatMap((row) => [row.a, row.b].flatMap((q) => (q ? [q.mean, q.low, q.high].filter((v) => v !== null) : [])));
  const lowest = Math.min(...values);
  const highest = Math.max(...values);
  const pad = Math.max((highest - lowest) * 0.15, 0.01);
  const whiskers = (u) =>
    inPlot(u, (ctx, px) => {
      rows.forEach((row, i) => {
        ['a', 'b'].forEach((side, s) => {
          const q = row[side];
          if (!q || q.low === null || q.high === null || !u.series[s + 1].show) return;
          whisker(u, ctx, px, u.valToPos(i + (side === 'a' ? -OFFSET : OFFSET), 'x', true), q.low, q.high, AB_COLOURS[side]);
        });
      });
    });
  const short = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
  const names = rows.map((row) => row.scenario);
  const point = (colour) => ({ show: true, size: 11, fill: colour, stroke: '#fff', width: 1.5 });
  const opts = {
    ...baseOptions(width, 320),
    scales: { x: { time: false, range: [-0.5, rows.length - 0.5] }, y: {} },
    axes: [
      axis('', { splits: () => names.map((_, i) => i), values: (u, splits) => splits.map((i) => short(names[i] ?? '', 18)), grid: { show: false } }),
      axis('quality (mean, 95% CI)', { size: 64 }),
    ],
    series: [
      { label: 'scenario', value: (u, v) => (v === null || v === undefined ? '–' : (names[Math.round(v)] ?? '–')) },
      { label: `a: ${short(versions.a, 40)}`, stroke: AB_COLOURS.a, paths: () => null, points: point(AB_COLOURS.a) },
      { label: `b: ${short(versions.b, 40)}`, stroke: AB_COLOURS.b, paths: () => null, points: point(AB_COLOURS.b) },
    ],
  };
  const count = rows.reduce((total, row) => total + (row.a ? 1 : 0) + (row.b ? 1 : 0), 0);
  const yRange = [Math.max(0, lowest - pad), highest <= 1 ? Math.min(1, highest + pad) : highest + pad];
  const note = "Each version's qualityScore per scenario: the mean over the batches both ran on the same items, with a Student's t 95% CI of that mean. Whether b differs from a is the paired difference in the A/B table, which is tighter than these intervals suggest.";
  return { key: `ab|${names.join('\u0000')}`, opts, aligned, count, draw: whiskers, yRange, note };
}

const CHARTS = [
  { kind: 'progress', title: 'Progress over time', wide: true, spec: progressSpec, empty: 'No scenario yet.' },
  { kind: 'time-per-item', title: 'Busy time per item against items', wide: false, spec: timePerItemSpec, empty: 'Nothing to draw (yet): no scenario has items the skill ran with busy time.' },
  { kind: 'quality', title: 'Quality per scenario', wide: false, spec: qualitySpec, empty: 'Nothing to draw (yet): no batch reported a qualityScore.' },
  // Only an A/B run has this one: its figure exists while there is something to draw.
  { kind: 'ab', title: 'A/B: quality of a and b per scenario', wide: false, spec: abSpec, optional: true },
];

/**
 * Creates the three charts in `container` and returns { update(data), destroy() }. update() redraws with new
 * ChartData: the same scenarios keep their uPlot instance (setData), a changed set rebuilds it.
 */
export function createCharts(container) {
  // A figure in its place among the others: after the last figure of an earlier chart.
  const addFigure = (slot) => {
    const { chart } = slot;
    slot.figure = element('figure', { class: `chart-figure${chart.wide ? ' wide' : ''}`, 'data-chart': chart.kind });
    slot.host = element('div', { class: 'chart-host' });
    slot.note = element('p', { class: 'chart-note' });
    slot.figure.append(element('figcaption', {}, chart.title), slot.host, slot.note);
    const next = slots.slice(slots.indexOf(slot) + 1).find((other) => other.figure)?.figure ?? null;
    container.insertBefore(slot.figure, next);
  };
  const slots = CHARTS.map((chart) => ({ chart, figure: null, host: null, note: null, plot: null, key: null, spec: null }));
  for (const slot of slots) if (!slot.chart.optional) addFigure(slot);
  const widthOf = (slot) => Math.max(280, Math.floor(slot.host.clientWidth || slot.figure.clientWidth || 600));
  const onResize = () => {
    for (const slot of slots) if (slot.plot) slot.plot.setSize({ width: widthOf(slot), height: slot.plot.height });
  };
  globalThis.addEventListener?.('resize', onResize);

  return {
    update(data) {
      if (!globalThis.uPlot) {
        container.replaceChildren(element('p', { class: 'chart-empty' }, 'The charting library did not load, so the charts cannot be drawn.'));
        return;
      }
      for (const slot of slots) {
        if (slot.chart.optional && !slot.figure) {
          if (!slot.chart.spec(data, 600)) continue;
          addFigure(slot);
        }
        const spec = slot.chart.spec(data, widthOf(slot));
        if (!spec && slot.chart.optional) {
          slot.plot?.destroy();
          slot.figure.remove();
          Object.assign(slot, { figure: null, host: null, note: null, plot: null, key: null, spec: null });
          continue;
        }
        slot.figure.dataset.points = String(spec ? spec.count : 0);
        if (!spec) {
          slot.plot?.destroy();
          slot.plot = null;
          slot.key = null;
          slot.host.replaceChildren(element('p', { class: 'chart-empty' }, slot.chart.empty));
          slot.note.textContent = '';
          continue;
        }
        slot.note.textContent = spec.note;
        // The instance's hooks and y range read the current spec, so an update redraws overlays from new data.
        slot.spec = spec;
        if (slot.plot && slot.key === spec.key) {
          slot.plot.setData(spec.aligned);
          continue;
        }
        slot.plot?.destroy();
        slot.host.replaceChildren();
        const opts = {
          ...spec.opts,
          hooks: {
            drawAxes: [(u) => slot.spec.drawAxes?.(u)],
            draw: [
              (u) => {
                // The x axis's extent as drawn, for a reader of the page (and its tests) that cannot read the canvas.
                slot.figure.dataset.xMin = String(u.scales.x.min);
                slot.figure.dataset.xMax = String(u.scales.x.max);
                slot.spec.draw?.(u);
              },
            ],
          },
        };
        if (spec.yRange) opts.scales = { ...opts.scales, y: { ...opts.scales.y, range: () => slot.spec.yRange } };
        slot.plot = new globalThis.uPlot(opts, spec.aligned, slot.host);
        slot.key = spec.key;
      }
    },
    destroy() {
      globalThis.removeEventListener?.('resize', onResize);
      for (const slot of slots) slot.plot?.destroy();
      container.replaceChildren();
    },
  };
}

/** Draws `data` into `container` once (the HTML report). */
export function renderCharts(container, data) {
  const charts = createCharts(container);
  charts.update(data);
  return charts;
}
