import type { DLogger } from '@dbos-inc/dbos-sdk';

/**
 * Messages DBOS logs about what this tool does on purpose: enqueueing a cancelled batch again (it is then
 * rewound: remoteBatches.ts) and a cancelled batch's execution stopping on its worker.
 */
const EXPECTED = [/already exists in queue/, /is no longer owned by this execution/, /was cancelled during execution/, /outcome was not recorded/];

/**
 * DBOS's log for this tool's processes: warnings and errors on stderr, one line each, prefixed `dbos:`; its
 * info and debug lines (a line per queue, per recovery round) and the expected warnings above are dropped,
 * and nothing goes to stdout, where `run --json` prints only its result.
 */
export function dbosLogger(write: (line: string) => void = (line) => void process.stderr.write(`${line}\n`)): DLogger {
  const show = (entry: unknown) => {
    const text = entry instanceof Error ? entry.message : String(entry);
    if (EXPECTED.some((pattern) => pattern.test(text))) return;
    write(`dbos: ${text.split('\n')[0] ?? text}`);
  };
  return { info: () => undefined, debug: () => undefined, warn: show, error: show };
}
