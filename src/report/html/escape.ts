/**
 * Escaping for what the HTML report puts into its page. Scenario names, metric names, messages and ids are
 * user text; nothing reaches the page unescaped.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * JSON for a `<script type="application/json">` element: `<`, `>` and `&` become \u escapes (so no
 * `</script>` or `<!--` can end or change the element, whatever the data holds), and so do U+2028/2029.
 * JSON.parse of the element's text gives back the value unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Code inlined into a `<script>` or `<style>` element cannot be escaped without changing it, so it is
 * checked instead: a sequence that would end the element early, or put the parser into its escaped
 * state, is refused (the shipped code has none; this guards an upgrade of the inlined library).
 */
export function inlineSafely(code: string, element: 'script' | 'style'): string {
  const forbidden = element === 'script' ? /<\/script|<!--|<script/i : /<\/style/i;
  const found = forbidden.exec(code);
  if (found) throw new Error(`cannot inline this ${element}: it contains "${found[0]}", which would end the <${element}> element early`);
  return code;
}
