import { commandSpecs, type CommandSpec } from './options.ts';

/** The README's CLI reference, rendered from the same table the parser is built from. */
export function renderCliReference(): string {
  const specs: CommandSpec[] = Object.values(commandSpecs);
  const lines: string[] = [];
  for (const spec of specs) {
    lines.push(`### \`scenarios ${spec.usage}\``, '', spec.description, '');
    if (spec.options.length > 0) {
      lines.push('| option | meaning |', '| --- | --- |');
      for (const option of spec.options) lines.push(`| \`${option.flags}\` | ${option.description.replaceAll('|', '\\|')} |`);
      lines.push('');
    }
    lines.push('```sh', ...spec.examples, '```', '');
  }
  return lines.join('\n').trimEnd();
}
