import type { CAC } from 'cac';
import { closest, distance } from 'fastest-levenshtein';
import { UsageError } from '../errors.ts';
import { commandSpecs } from './options.ts';

/** The nearest candidate, if it is near enough to be what the user meant (a typo, not another word). */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(input, candidates);
  return distance(input, best) <= Math.max(1, Math.min(3, Math.floor(best.length / 3))) ? best : undefined;
}

const hint = (suggestion: string | undefined) => (suggestion === undefined ? '' : `; did you mean ${suggestion}?`);

export function unknownCommandError(name: string): UsageError {
  const suggestion = didYouMean(name, Object.keys(commandSpecs));
  return new UsageError(`unknown command "${name}"${hint(suggestion === undefined ? undefined : `"scenarios ${suggestion}"`)} (see scenarios --help)`);
}

/** `--seed <n>` → `--seed`; `-h, --help` → both. */
function flagNames(flags: string): string[] {
  return flags.split(/[\s,]+/).filter((part) => part.startsWith('-'));
}

/**
 * Refuses flags the command does not take, with a suggestion. Reads argv itself (not cac's camelCased
 * keys) so the message quotes what the user typed. Everything after `--` is left alone.
 */
export function checkOptions(argv: readonly string[], command: { name: string; options: readonly { rawName: string }[] } | undefined): void {
  const known = ['--help', '-h', '--version', '-v', ...(command?.options.flatMap((o) => flagNames(o.rawName)) ?? [])];
  const end = argv.indexOf('--');
  for (const arg of end === -1 ? argv : argv.slice(0, end)) {
    // `-5` is a value (a negative number), not a flag.
    if (!/^--?[A-Za-z]/.test(arg)) continue;
    const flag = arg.split('=', 1)[0] ?? arg;
    if (known.includes(flag)) continue;
    const where = command ? `"scenarios ${command.name}"` : 'scenarios without a command';
    const suggestion = didYouMean(flag, known.filter((k) => k.startsWith('--')));
    throw new UsageError(`unknown option ${flag} for ${where}${hint(suggestion)} (see scenarios ${command ? `${command.name} ` : ''}--help)`);
  }
}

/** Every check that needs the parsed CLI: unknown commands and unknown options (exit 2, with suggestions). */
export function checkInvocation(cli: CAC, argv: readonly string[]): void {
  const args = argv.slice(2);
  if (!cli.matchedCommand && cli.args[0] !== undefined && !cli.options.help && !cli.options.version) throw unknownCommandError(cli.args[0]);
  checkOptions(args, cli.matchedCommand ?? undefined);
}
