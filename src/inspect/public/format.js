// Small DOM and formatting helpers shared by the page's modules.

/** Creates an element: el('td', { class: 'x', 'data-field': 'items' }, 'text', childNode). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

/** 850 ms, 1.2 s, 2 min 5 s */
export function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Wall-clock time with milliseconds, e.g. 14:03:07.250 */
export function formatClock(epochMs) {
  const d = new Date(epochMs);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `running.working.processing.active` → `running › working › processing › active` */
export function formatState(path) {
  return path ? path.split('.').join(' › ') : '–';
}

/** Sets text only when it changed, so unchanged nodes are not re-laid out on every update. */
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

/** One colour class per scenario, by config order (scn-0 … scn-7, then repeating). */
export function colourClass(index) {
  return `scn-${index % 8}`;
}
