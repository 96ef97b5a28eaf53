import { parseFormat, type Format } from '../cli/driveInTerminal.ts';
import { ExitCode, type CliIO } from '../cli/io.ts';
import type { OrchestrationConfig } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
import type { BaselineKind, SnapshotStore } from '../persistence/SnapshotStore.ts';
import { compareSides, type LoadedSide } from './compareSides.ts';
import { checkRuleFigures, judgeBudgets, judgeRule, parseFailOn, type FailOn, type RuleVerdict } from './failOn.ts';
import { loadSide, requireFinished, resolveRef, runsOf } from './loadSide.ts';
import { renderComparison, renderComparisonMarkdown } from './renderComparison.ts';

/** What the gate judges once the run is over: the run, or the experiment (`--repeat`), just finished. */
export interface Finished {
  kind: BaselineKind;
  id: string;
}

/**
 * `scenarios run … --against <ref> --fail-on "<rules>"`, in three steps run.ts calls: `fromOptions` parses
 * (exit 2 before anything runs), `prepare` checks the rules against the config and reads the reference
 * (exit 2 if it is missing or still running), `judge` compares what finished with it and turns a failed
 * rule into exit 4.
 */
export class RegressionGate {
  readonly #against: string | undefined;
  readonly #failOn: FailOn;
  /** The report's format: the comparison and the rule lines follow it (Markdown after a Markdown report). */
  readonly #format: Format;
  #reference: LoadedSide | undefined;

  private constructor(against: string | undefined, failOn: FailOn, format: Format) {
    this.#against = against;
    this.#failOn = failOn;
    this.#format = format;
  }

  /** undefined when neither `--against` nor `--fail-on` is given. */
  static fromOptions(raw: Record<string, unknown>): RegressionGate | undefined {
    if (raw.against === undefined && raw.failOn === undefined) return undefined;
    if (raw.against !== undefined && (typeof raw.against !== 'string' || raw.against === '')) {
      throw new UsageError('--against needs a baseline name, a run id or an experiment id');
    }
    if (raw.failOn !== undefined && typeof raw.failOn !== 'string') throw new UsageError('--fail-on needs rules, e.g. --fail-on "quality<-0.02,timePerItem>+10%" or --fail-on budgets');
    const failOn = typeof raw.failOn === 'string' ? parseFailOn(raw.failOn) : { budgets: false, rules: [] };
    const against = typeof raw.against === 'string' ? raw.against : undefined;
    if (failOn.rules.length > 0 && against === undefined) {
      throw new UsageError(`--fail-on ${failOn.rules.map((r) => `"${r.text}"`).join(', ')} compares against a reference: add --against <baseline|run id|experiment id> (only "budgets" needs none)`);
    }
    return new RegressionGate(against, failOn, parseFormat(raw));
  }

  /** Before the run: every rule names a figure the run has, and the reference exists and is finished. */
  async prepare(store: SnapshotStore, config: OrchestrationConfig): Promise<void> {
    checkRuleFigures(this.#failOn.rules, config.scenarios.flatMap((s) => s.qualityMetrics));
    if (this.#against === undefined) return;
    const resolved = await resolveRef(store, this.#against);
    this.#reference = await loadSide(store, resolved, await requireFinished(store, resolved));
    const names = config.scenarios.map((s) => s.name);
    if (this.#failOn.rules.length > 0 && !names.some((name) => this.#reference?.scenarios.has(name))) {
      const theirs = [...this.#reference.scenarios.keys()];
      throw new UsageError(
        `--fail-on: no scenario of this run (${names.join(', ')}) is in ${describeReference(this.#reference)} (${theirs.join(', ')}), so no rule could be judged: compare against a reference of the same scenarios`,
      );
    }
  }

  /**
   * After the run: prints one line per rule (after the report: on stdout, or on stderr with --json, whose
   * stdout is the report alone) and returns the exit code. A run that did not finish (interrupted, lease
   * lost, store failed) keeps its code and is not judged; one whose scenarios failed keeps exit 1.
   */
  async judge(store: SnapshotStore, finished: Finished, io: Pick<CliIO, 'stdout' | 'stderr'>, json: boolean, code: number): Promise<number> {
    // After JSON or an HTML page, anything more on stdout would break the document.
    const out = json || this.#format === 'html' ? io.stderr : io.stdout;
    const markdown = this.#format === 'md' && !json;
    if (code !== ExitCode.ok && code !== ExitCode.scenarioFailed) {
      io.stderr.write(`fail-on: not judged, the ${finished.kind} did not finish\n`);
      return code;
    }
    const resolved = { ref: finished.id, kind: finished.kind, id: finished.id, baseline: null };
    const runs = await runsOf(store, resolved);
    const verdicts: RuleVerdict[] = [];
    if (this.#failOn.budgets) verdicts.push(judgeBudgets(runs.map((r) => ({ id: r.id, report: r.report }))));
    if (this.#reference) {
      const comparison = compareSides(this.#reference, await loadSide(store, resolved, runs));
      // --against alone: the comparison itself is the answer.
      if (this.#failOn.rules.length === 0 && !this.#failOn.budgets) out.write(`\n${markdown ? renderComparisonMarkdown(comparison) : renderComparison(comparison)}`);
      for (const rule of this.#failOn.rules) verdicts.push(judgeRule(rule, comparison));
    }
    const against = this.#reference ? [`fail-on: against ${describeReference(this.#reference)}`] : [];
    if (verdicts.length > 0) {
      const lines = [...against, ...verdicts.map((v) => v.line)];
      out.write(markdown ? `\n## Regression gate\n\n${lines.map((line) => `- ${line}\n`).join('')}` : `\n${lines.map((line) => `${line}\n`).join('')}`);
    }
    const failed = verdicts.some((v) => v.failed);
    if (code === ExitCode.ok) return failed ? ExitCode.regression : ExitCode.ok;
    if (failed) io.stderr.write('fail-on: a scenario failed, so the exit code stays 1 (4 is for a finished run that fails its gate)\n');
    return code;
  }
}

function describeReference({ side }: LoadedSide): string {
  const what = side.kind === 'run' ? `run ${side.id}` : `experiment ${side.id} (${side.runs.length} repeat(s))`;
  return `${side.baseline === null ? '' : `baseline ${side.baseline}, `}${what}, one sample per ${side.sampleUnit}`;
}
