import { z } from 'zod';
import { DatasetSchema, RetrySchema } from '../config/schema.ts';
import { BarrierRecordSchema, ScenarioProgressSchema } from '../report/schema.ts';
import type { BarrierBook } from './barrier.ts';
import { orchestratorMachine, scenarioActorId, type OrchestratorContext } from './orchestratorMachine.ts';
import { scenarioMachine, type AlarmInput, type BatchRunnerInput, type ScenarioContext } from './scenarioMachine.ts';
import type { ScenarioPlan } from './scenarioPlan.ts';

/**
 * What a persisted actor tree must look like before it is restored: the orchestrator's and each scenario's
 * context (every field the machines read), state values that are states of these machines, and the
 * children those states run. XState restores whatever it is given and fails later, inside a subscriber or
 * a transition (an uncaught TypeError, a scenario that never gets its runner back); checking first lets a
 * resume refuse with one line instead. The context schemas are pinned to the machines' context types
 * below, so a change to either that the other does not follow fails to compile.
 */

const ScenarioPlanSchema = z.object({
  orchestrationId: z.string(),
  name: z.string(),
  seed: z.number(),
  dataset: DatasetSchema,
  inputSize: z.int().positive(),
  batchSize: z.int().positive(),
  batchesTotal: z.int().nonnegative(),
  timeBudgetMs: z.number().nonnegative(),
  memoryLimitMb: z.number(),
  errorTolerance: z.number(),
  milestones: z.array(z.number()),
  barriers: z.array(z.number()),
  retry: RetrySchema,
  params: z.record(z.string(), z.unknown()),
  maxErrorsKept: z.int().nonnegative(),
});

const BarrierBookSchema = z.object({
  open: z.array(z.object({ milestone: z.number(), openedAt: z.number(), deadline: z.number(), arrivals: z.array(z.tuple([z.string(), z.number()])) })),
  released: z.array(BarrierRecordSchema),
});

export const OrchestratorContextSchema = z.object({
  orchestrationId: z.string(),
  names: z.array(z.string()),
  live: z.array(z.string()),
  plans: z.array(ScenarioPlanSchema),
  barrierTimeoutMs: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  downtimeMs: z.number(),
  book: BarrierBookSchema,
  finished: z.array(z.record(z.string(), ScenarioProgressSchema)).min(1),
  stopped: z.int().nonnegative(),
});

export const ScenarioContextSchema = z.object({
  plan: ScenarioPlanSchema,
  progress: ScenarioProgressSchema,
  cursor: z.int().nonnegative(),
  attempt: z.int().positive(),
  passedBarriers: z.array(z.number()),
  awaitingBarrier: z.number().nullable(),
  barrierArrivedAt: z.number().nullable(),
  budgetDeadline: z.number(),
  budgetRemainingMs: z.number(),
  retryAt: z.number(),
  pausedAt: z.number().nullable(),
  drainFrom: z.number(),
  downtimeMs: z.number(),
  resumedAt: z.number(),
});

const AlarmInputSchema = z.object({ at: z.number(), event: z.looseObject({ type: z.string() }), downtimeAtArm: z.number() });
const BatchRunnerInputSchema = z.object({ plan: ScenarioPlanSchema, from: z.int().nonnegative(), attempt: z.int().positive() });

// The schemas follow the machines' types exactly: adding, removing or retyping a context field on one side only is a compile error.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type PersistedSchemasFollowMachines = [
  Holds<Same<z.output<typeof ScenarioPlanSchema>, ScenarioPlan>>,
  Holds<Same<z.output<typeof BarrierBookSchema>, BarrierBook>>,
  Holds<Same<z.output<typeof OrchestratorContextSchema>, OrchestratorContext>>,
  Holds<Same<z.output<typeof ScenarioContextSchema>, ScenarioContext>>,
  Holds<Same<z.output<typeof AlarmInputSchema>['at' | 'downtimeAtArm'], AlarmInput['at' | 'downtimeAtArm']>>,
  Holds<Same<z.output<typeof BatchRunnerInputSchema>, BatchRunnerInput>>,
];

/** The envelope XState's getPersistedSnapshot writes for a machine actor (children keyed by actor id). */
const MachineSnapshotSchema = z.looseObject({
  status: z.string(),
  value: z.unknown().optional(),
  context: z.unknown().optional(),
  children: z.record(z.string(), z.looseObject({ src: z.unknown().optional(), snapshot: z.unknown().optional() })),
});

/** A callback actor (alarm, batch runner) persists only its status and input. */
const CallbackSnapshotSchema = z.looseObject({ status: z.literal('active'), input: z.unknown() });

interface StateNodeLike {
  type: string;
  states: Record<string, StateNodeLike>;
  invoke: readonly { id: string; src: unknown }[];
}

const show = (value: unknown) => JSON.stringify(value) ?? String(value);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The state nodes a persisted value makes active, or undefined when the value is not a state of the machine.
 * Both machines are trees of compound states with atomic or final leaves, which XState writes as a string
 * (`"done"`) or a one-key object (`{ running: "atBarrier" }`). They have no parallel states: one added later
 * would have every real snapshot refused here, which persistedSnapshotSchema.test.ts ("accepts every
 * snapshot real runs save") catches at once.
 */
function activeNodes(node: StateNodeLike, value: unknown): StateNodeLike[] | undefined {
  if (node.type !== 'compound') return undefined;
  if (typeof value === 'string') {
    const child = node.states[value];
    if (!child || (child.type !== 'atomic' && child.type !== 'final')) return undefined;
    return [node, child];
  }
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value);
  const key = keys[0];
  const child = key === undefined ? undefined : node.states[key];
  if (keys.length !== 1 || !child || key === undefined) return undefined;
  const below = activeNodes(child, value[key]);
  return below && [node, ...below];
}

/** "context.progress.itemsFailed: expected number, received undefined" for each zod issue. */
function issues(prefix: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    return `${where}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
}

/**
 * Checks one machine actor's persisted snapshot: status, state value, context shape, and that the children
 * its active states invoke are there (and no others of theirs). Returns the context when it is usable.
 */
function checkMachineSnapshot<C>(
  snapshot: unknown,
  machine: { root: unknown },
  what: string,
  contextSchema: z.ZodType<C>,
  problems: string[],
): { context: C | undefined; children: Record<string, { src?: unknown; snapshot?: unknown }>; invoked: Map<string, unknown> } | undefined {
  if (snapshot === undefined || snapshot === null) {
    problems.push('snapshot is missing');
    return undefined;
  }
  if (!isRecord(snapshot)) {
    problems.push(`snapshot is not an object (${show(snapshot).slice(0, 40)})`);
    return undefined;
  }
  if (Object.keys(snapshot).length === 0) {
    problems.push('snapshot is empty');
    return undefined;
  }
  if (snapshot.context === undefined || snapshot.context === null) problems.push('snapshot has no context');
  const envelope = MachineSnapshotSchema.safeParse(snapshot);
  if (!envelope.success) {
    problems.push(...issues('', envelope.error));
    return undefined;
  }
  const { status, value, children } = envelope.data;
  if (status !== 'active' && status !== 'done') problems.push(`status is "${status}" (only an active or finished ${what} can be restored)`);
  const nodes = value === undefined ? undefined : activeNodes(machine.root as StateNodeLike, value);
  if (value === undefined) problems.push('snapshot has no state value');
  else if (!nodes) problems.push(`state ${show(value)} is not a state of the ${what} machine`);
  else {
    const final = nodes.some((n) => n.type === 'final');
    if (status === 'done' && !final) problems.push(`status is done but state ${show(value)} is not final`);
    if (status === 'active' && final) problems.push(`state ${show(value)} is final but status is ${status}`);
  }
  let context: C | undefined;
  if (snapshot.context !== undefined && snapshot.context !== null) {
    const parsed = contextSchema.safeParse(snapshot.context);
    if (parsed.success) context = parsed.data;
    else problems.push(...issues('context', parsed.error));
  }
  const invoked = new Map<string, unknown>();
  for (const node of nodes ?? []) for (const def of node.invoke) invoked.set(def.id, def.src);
  return { context, children, invoked };
}

/** A callback child (alarm or batch runner): its src and the input it restarts with. */
function checkCallbackChild(id: string, child: { src?: unknown; snapshot?: unknown }, problems: string[]): void {
  const inputSchema = child.src === 'alarm' ? AlarmInputSchema : child.src === 'batchRunner' ? BatchRunnerInputSchema : undefined;
  if (!inputSchema) {
    problems.push(`actor "${id}" has unknown src ${show(child.src)}`);
    return;
  }
  const envelope = CallbackSnapshotSchema.safeParse(child.snapshot);
  if (!envelope.success) {
    problems.push(...issues(`actor "${id}"`, envelope.error));
    return;
  }
  const input = inputSchema.safeParse(envelope.data.input);
  if (!input.success) problems.push(...issues(`actor "${id}" input`, input.error));
}

function checkScenario(name: string, child: { src?: unknown; snapshot?: unknown }, orchestrationId: string, problems: string[]): void {
  const own: string[] = [];
  if (child.src !== 'scenario') own.push(`src is ${show(child.src)}, not "scenario"`);
  const checked = checkMachineSnapshot(child.snapshot, scenarioMachine, 'scenario', ScenarioContextSchema, own);
  if (checked) {
    const { context, children, invoked } = checked;
    if (context && context.plan.name !== name) own.push(`its context is scenario "${context.plan.name}"'s`);
    if (context && context.plan.orchestrationId !== orchestrationId) own.push(`its plan belongs to orchestration "${context.plan.orchestrationId}"`);
    for (const [id, src] of invoked) {
      const present = children[id];
      if (!present) own.push(`actor "${id}" (${show(src)}) of its state is missing`);
      else if (present.src !== src) own.push(`actor "${id}" has src ${show(present.src)}, not ${show(src)}`);
    }
    for (const [id, grandchild] of Object.entries(children)) {
      if (!invoked.has(id)) own.push(`actor "${id}" is not one its state runs`);
      else checkCallbackChild(id, grandchild, own);
    }
  }
  problems.push(...own.map((p) => `scenario "${name}": ${p}`));
}

/**
 * Every problem that stops `snapshot` from being restored as the orchestrator of `orchestrationId` with
 * these scenarios (config order), as short phrases; empty when it can be restored.
 */
export function persistedSnapshotProblems(snapshot: unknown, expected: { orchestrationId: string; scenarios: readonly string[] }): string[] {
  const problems: string[] = [];
  if (isRecord(snapshot) && isRecord(snapshot.context) && 'plan' in snapshot.context && 'progress' in snapshot.context) {
    return ['the stored snapshot is a scenario\'s snapshot, not the orchestrator\'s'];
  }
  const checked = checkMachineSnapshot(snapshot, orchestratorMachine, 'orchestrator', OrchestratorContextSchema, problems);
  if (!checked) return problems;
  const { context, children } = checked;
  if (!context) return problems;
  if (context.orchestrationId !== expected.orchestrationId) problems.push(`the snapshot belongs to orchestration "${context.orchestrationId}"`);
  if (show(context.names) !== show(expected.scenarios)) {
    problems.push(`the snapshot's scenarios (${context.names.join(', ')}) are not its config's (${expected.scenarios.join(', ')})`);
    return problems;
  }
  const names = new Set(context.names);
  const openBarriers = new Set(context.book.open.map((b) => `barrier:${b.milestone}`));
  for (const name of context.live) {
    if (!names.has(name)) problems.push(`live scenario "${name}" is not one of its scenarios`);
    else if (!children[scenarioActorId(name)]) problems.push(`scenario "${name}": its actor is missing from the snapshot`);
  }
  for (const id of openBarriers) if (!children[id]) problems.push(`the timeout of open barrier ${id.slice('barrier:'.length)}% is missing`);
  for (const [id, child] of Object.entries(children)) {
    if (id.startsWith('scenario:') && names.has(id.slice('scenario:'.length))) checkScenario(id.slice('scenario:'.length), child, expected.orchestrationId, problems);
    else if (openBarriers.has(id)) checkCallbackChild(id, child, problems);
    else problems.push(`actor "${id}" is not one the orchestrator runs`);
  }
  return problems;
}
