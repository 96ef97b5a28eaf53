/** The HTML report's stylesheet: system fonts, no external assets; chart colours match the inspector's. */
export const REPORT_CSS = `
:root { --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --panel: #fff; --bg: #f8fafc; --bad: #b91c1c; --accent: #2563eb;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; font-size: 14px; color: var(--ink); background: var(--bg); }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 1.2rem 1.4rem 3rem; }
h1 { font-size: 1.35rem; margin: 0 0 0.3rem; overflow-wrap: anywhere; }
h2 { font-size: 1.05rem; margin: 0 0 0.6rem; }
h3 { font-size: 0.95rem; margin: 1rem 0 0.4rem; }
header dl { display: flex; flex-wrap: wrap; gap: 0.2rem 1.4rem; margin: 0.4rem 0 1rem; color: var(--muted); }
header dt { font-weight: 600; } header dt::after { content: ':'; } header dd { margin: 0 0 0 0.3rem; color: var(--ink); }
header div { display: flex; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 0.9rem 1rem; margin: 0 0 1rem; overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 0.3rem 0.7rem 0.3rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
p, li { line-height: 1.45; max-width: 80rem; }
.hint { color: var(--muted); font-size: 0.85rem; margin: 0.2rem 0 0.6rem; }
.report-charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; }
.chart-figure { margin: 0; min-width: 0; }
.chart-figure.wide { grid-column: 1 / -1; }
.chart-figure figcaption { font-weight: 600; margin-bottom: 0.2rem; }
.chart-note { color: var(--muted); font-size: 0.85rem; margin: 0.3rem 0 0; }
.chart-empty { color: var(--muted); padding: 2rem 0; }
noscript p { color: var(--bad); }
`;
