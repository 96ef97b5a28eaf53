import Table from 'cli-table3';

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
};

/**
 * Columns sized to their widest cell (cli-table3), without borders or colours: plain text that lines up
 * however long a name is, and that stays easy to grep. Each line starts with `indent`.
 */
export function plainTable(head: string[], rows: string[][], options: { align?: ('left' | 'right')[]; indent?: string } = {}): string {
  const table = new Table({
    head,
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    ...(options.align ? { colAligns: options.align } : {}),
  });
  table.push(...rows);
  const indent = options.indent ?? '';
  return `${table
    .toString()
    .split('\n')
    .map((line) => `${indent}${line.trimEnd()}`)
    .join('\n')}\n`;
}
