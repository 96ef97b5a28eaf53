import { el, formatClock, setText } from './format.js';

// The event log: entries from XState's inspection events, filterable by text, kind and actor. The page
// keeps the newest `keep` entries and draws at most `show` rows, so a long run cannot grow the DOM.

const keep = 2000;
const show = 500;

export class EventLog {
  constructor(root) {
    this.entries = [];
    this.lastSeq = 0;
    this.skipped = 0;
    this.actors = new Set();
    this.rows = root.querySelector('#log-rows');
    this.wrap = root.querySelector('#log-wrap');
    this.note = root.querySelector('#log-note');
    this.search = root.querySelector('#log-search');
    this.actorSelect = root.querySelector('#log-actor');
    this.follow = root.querySelector('#log-follow');
    this.form = root.querySelector('#log-filters');
    this.dirty = true;
    this.origin = '';
    this.form.addEventListener('input', () => this.render(true));
    this.form.addEventListener('submit', (e) => e.preventDefault());
  }

  /** Replaces everything (a fresh snapshot after connecting or reconnecting). */
  reset(entries, skipped) {
    this.entries = [];
    this.lastSeq = 0;
    this.skipped = 0;
    this.append(entries, skipped);
    this.render(true);
  }

  /** Says where the entries come from, before the counts (e.g. a stored run's log is rebuilt from the store). */
  setOrigin(text) {
    if (text === this.origin) return;
    this.origin = text;
    this.dirty = true;
  }

  /** Adds entries not seen yet; a delta can repeat entries that a snapshot already carried. */
  append(entries, skipped) {
    for (const entry of entries) {
      if (entry.seq <= this.lastSeq) continue;
      this.entries.push(entry);
      this.lastSeq = entry.seq;
      this.dirty = true;
      if (!this.actors.has(entry.actor)) {
        this.actors.add(entry.actor);
        this.actorSelect.append(el('option', { value: entry.actor }, entry.actor));
      }
    }
    if (this.entries.length > keep) this.entries.splice(0, this.entries.length - keep);
    if (typeof skipped === 'number' && skipped !== this.skipped) {
      this.skipped = skipped;
      this.dirty = true;
    }
  }

  matches(entry, filter) {
    if (!filter.kinds.has(entry.kind)) return false;
    if (filter.actor && entry.actor !== filter.actor) return false;
    if (!filter.text) return true;
    return `${entry.actor} ${entry.type} ${entry.source ?? ''} ${entry.detail}`.toLowerCase().includes(filter.text);
  }

  /** Redraws when entries arrived since the last draw, or always when `force` (a filter changed). */
  render(force = false) {
    if (!this.dirty && !force) return;
    this.dirty = false;
    const filter = {
      text: this.search.value.trim().toLowerCase(),
      actor: this.actorSelect.value,
      kinds: new Set([...this.form.querySelectorAll('input[name="kind"]:checked')].map((i) => i.value)),
    };
    const visible = this.entries.filter((e) => this.matches(e, filter)).slice(-show);
    this.rows.replaceChildren(
      ...visible.map((e) =>
        el(
          'tr',
          { 'data-kind': e.kind },
          el('td', { class: 'time' }, formatClock(e.at)),
          el('td', {}, e.kind),
          el('td', {}, e.actor),
          el('td', { class: 'type' }, e.type),
          el('td', {}, e.source ?? ''),
          el('td', { class: 'detail', title: e.detail }, e.detail),
        ),
      ),
    );
    const skipped = this.skipped > 0 ? ` ${this.skipped} more were left out, to keep the page fast (older than this page, or too many at once).` : '';
    setText(this.note, `${this.origin ? `${this.origin} ` : ''}${visible.length} of ${this.entries.length} entries shown.${skipped}`);
    if (this.follow.checked) this.wrap.scrollTop = this.wrap.scrollHeight;
  }
}
