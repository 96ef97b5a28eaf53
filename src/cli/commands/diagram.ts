import { UsageError } from '../../errors.ts';
import { diagramFormats, diagramMachines, exportDiagram, isDiagramMachineName, type DiagramFormat } from '../../inspect/diagram.ts';
import { ExitCode, type CliIO } from '../io.ts';

function isFormat(value: unknown): value is DiagramFormat {
  return typeof value === 'string' && (diagramFormats as readonly string[]).includes(value);
}

/** `scenarios diagram [--machine orchestrator|scenario] [--format mermaid|dot|svg|json]`: the statechart on stdout. */
export async function diagramCommand(raw: Record<string, unknown>, io: CliIO): Promise<number> {
  const machine = raw.machine ?? 'orchestrator';
  const format = raw.format ?? 'mermaid';
  if (!isDiagramMachineName(machine)) throw new UsageError(`--machine must be ${Object.keys(diagramMachines).join(' or ')} (got ${JSON.stringify(machine)})`);
  if (!isFormat(format)) throw new UsageError(`--format must be ${diagramFormats.join(', ')} (got ${JSON.stringify(format)})`);
  const text = await exportDiagram(diagramMachines[machine], format);
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return ExitCode.ok;
}
