import { AsyncLocalStorage } from 'node:async_hooks';
import { ScenarioError, toError } from '../errors.ts';

/**
 * Containment of skill code that reaches past its batch. While a run is driven:
 *
 * - `process.exit()` called from skill code (its batch's own code, or a timer or promise it left behind) is
 *   refused: the call throws inside the skill, and the batch it came from fails with a message saying the
 *   skill tried to exit (so it is retried as usual). Anyone else's call (the host, the CLI) exits as before.
 * - An unhandled rejection or uncaught exception raised in a skill's async context fails the batch of that
 *   context. Attribution is by AsyncLocalStorage, so with several scenarios' batches in flight only the one
 *   whose code raised it fails. Code left behind by a batch that has already settled fails its scenario's
 *   batch in flight, if any.
 * - Anything else that escapes (no batch to fail, or raised outside every skill's context) is handed to the
 *   run's `onEscape`: a durable run saves itself as paused and stops with that one-line message.
 *
 * A synchronous busy loop is not contained: it holds the event loop, so no signal or timer reaches it.
 */

/** One batch's call into the skill, while it runs and after. */
interface BatchScope {
  readonly containment: SkillContainment;
  readonly lane: Lane;
  readonly index: number;
  /** The skill's promise settled, or the batch was failed already. */
  settled: boolean;
  /** Fails the batch if it is still in flight; false when it had settled. */
  fail(error: Error): boolean;
}

/**
 * A scenario of one run: its batches in flight, oldest first (shared by the runners of its successive
 * stretches). Every one is kept, not only the newest: with several workers a later batch can settle
 * first, and the ones still running must still take the blame for a fault left behind.
 */
interface Lane {
  readonly scenario: string;
  readonly inFlight: Set<BatchScope>;
}

const scopes = new AsyncLocalStorage<BatchScope>();
/** Runs being driven: the process hooks are installed while there is one. */
const guarded = new Set<SkillContainment>();
/** Errors this module raised and has already attributed; seen again as uncaught, they are not counted twice. */
const attributed = new WeakSet<object>();
let realExit: typeof process.exit | undefined;
/** For a stand-in someone kept a reference to after the guard was lifted. */
// eslint-disable-next-line @typescript-eslint/unbound-method -- kept as it is, and called with process as `this`
const exitAtLoad = process.exit;

/** The per-run side: batch scopes for its runners and what to do when something escapes them. */
export class SkillContainment {
  readonly #lanes = new Map<string, Lane>();
  #onEscape: ((error: Error) => void) | undefined;
  #escaped = false;

  /**
   * Guards the process while this run is driven (refused exits, contained rejections and exceptions);
   * returns the release, which restores the real `process.exit` once no run is guarded.
   */
  guard(onEscape: (error: Error) => void): () => void {
    this.#onEscape = onEscape;
    guarded.add(this);
    install();
    return () => {
      if (guarded.delete(this) && guarded.size === 0) uninstall();
    };
  }

  /** Something escaped this run's skill: told once. */
  escape(error: Error): void {
    if (this.#escaped) return;
    this.#escaped = true;
    // Outside the skill's async context: what the run does to stop is not the skill's to be blamed for.
    scopes.exit(() => this.#onEscape?.(error));
  }

  /**
   * Calls the skill for one batch in an async context of its own. Gives the skill's result, or throws /
   * rejects with the first fault raised in that context (refused exit, unhandled rejection, uncaught
   * exception) while the batch is in flight; `abort` is then called so the skill can stop. A skill that
   * returns synchronously costs no promise here.
   */
  runBatch<T>(scenario: string, index: number, abort: (reason: Error) => void, call: () => T | PromiseLike<T>): T | Promise<T> {
    const lane = this.#lane(scenario);
    let fault: Error | undefined;
    let onFault: ((error: Error) => void) | undefined;
    const scope: BatchScope = {
      containment: this,
      lane,
      index,
      settled: false,
      fail: (error) => {
        if (scope.settled) return false;
        fault = error;
        settle();
        abort(error);
        onFault?.(error);
        return true;
      },
    };
    const settle = () => {
      scope.settled = true;
      lane.inFlight.delete(scope);
    };
    lane.inFlight.add(scope);
    let value: T | PromiseLike<T>;
    try {
      value = scopes.run(scope, call);
    } catch (error) {
      settle();
      // A fault raised while `call` was still running wins over whatever it threw or returned.
      throw fault ?? error;
    }
    if (!isThenable(value)) {
      settle();
      if (fault) throw fault;
      return value;
    }
    const pending = value;
    return new Promise<T>((resolve, reject) => {
      if (fault) reject(fault);
      onFault = reject;
      pending.then(
        (result) => {
          settle();
          resolve(result);
        },
        (error: unknown) => {
          settle();
          reject(toError(error));
        },
      );
    });
  }

  #lane(scenario: string): Lane {
    let lane = this.#lanes.get(scenario);
    if (!lane) {
      lane = { scenario, inFlight: new Set() };
      this.#lanes.set(scenario, lane);
    }
    return lane;
  }
}

const isThenable = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';

function newestInFlight(lane: Lane): BatchScope | undefined {
  let newest: BatchScope | undefined;
  for (const scope of lane.inFlight) newest = scope;
  return newest;
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/** Fails the batch `scope` belongs to, or its scenario's newest batch in flight, or lets the run escape. */
function attribute(scope: BatchScope, error: Error): void {
  if (scope.fail(error)) return;
  if (newestInFlight(scope.lane)?.fail(error)) return;
  scope.containment.escape(
    new ScenarioError('skill_failed', `scenario "${scope.lane.scenario}": ${error.message} (after batch ${scope.index} had settled, with no batch of it in flight); the run is paused at its last saved point`),
  );
}

function contain(reason: unknown, kind: 'unhandled rejection' | 'uncaught exception'): void {
  if (typeof reason === 'object' && reason !== null && attributed.has(reason)) return;
  const error = toError(reason);
  const scope = scopes.getStore();
  if (scope) {
    const what = kind === 'unhandled rejection' ? 'an unhandled rejection (a promise nobody awaited)' : 'an uncaught exception';
    attribute(scope, new ScenarioError('skill_failed', `the skill's code raised ${what}: ${oneLine(error.message)}`));
    return;
  }
  const escaped = new ScenarioError('internal', `${kind} outside any skill batch: ${oneLine(error.message)}; the run is paused at its last saved point`);
  for (const run of [...guarded]) run.escape(escaped);
}

const onRejection = (reason: unknown) => contain(reason, 'unhandled rejection');
const onException = (error: unknown) => contain(error, 'uncaught exception');

/** Stands in for process.exit while a run is driven: refuses calls from skill code, passes on the others. */
function guardedExit(code?: number | string | null): never {
  const scope = scopes.getStore();
  if (!scope || !realExit) return (realExit ?? exitAtLoad).call(process, code);
  const error = new ScenarioError(
    'skill_failed',
    `the skill tried to end the process (process.exit(${code === undefined ? '' : JSON.stringify(code)})), which is refused while a run is driven: a skill fails a batch by throwing, never by exiting`,
  );
  attributed.add(error);
  attribute(scope, error);
  throw error;
}

function install(): void {
  if (realExit) return;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, and called with process as `this`
  realExit = process.exit;
  process.exit = guardedExit;
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
}

function uninstall(): void {
  if (!realExit) return;
  // Only our own stand-in is put back; one installed on top of it since stays.
  if (process.exit === guardedExit) process.exit = realExit;
  realExit = undefined;
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
}
