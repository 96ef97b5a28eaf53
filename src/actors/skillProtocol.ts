import { z } from 'zod';
import { ownRecord } from '../ownKeys.ts';
import { SkillResultSchema } from './skill.ts';

/**
 * The JSON-lines protocol between the orchestrator and a skill command (docs/skill-protocol.md): one JSON
 * object per line, requests and cancels on the child's stdin, responses on its stdout. These schemas are
 * the protocol's definition; TypeScript users can validate their own side of it with them.
 */

/** Unique among the requests of one run's skill (a positive integer, so any language can match it easily). */
export const SkillRequestIdSchema = z.int().positive();

/** One batch to process: the child answers it with exactly one response line carrying the same `id`. */
export const SkillRequestSchema = z.strictObject({
  id: SkillRequestIdSchema,
  scenario: z.string(),
  batchIndex: z.int().min(0),
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: z.int().min(1),
  /** `<orchestration>/<scenario>/batch/<index>`: the same on a retry and on a re-run after a crash. */
  idempotencyKey: z.string(),
  /** The config's skill.params merged with the scenario's skillParams. */
  params: ownRecord(z.unknown()),
  /** The batch's items as the item source read them (generated `{ id, value }`, or a dataset file's records). */
  items: z.array(z.unknown()),
});

/**
 * The orchestrator no longer waits for request `id` (time budget, pause, cancel). The child should stop
 * that work and answer it (any response with that id; it is discarded) within the skill's cancelGraceMs,
 * or it is killed. A cancel for an id already answered is to be ignored.
 */
export const SkillCancelSchema = z.strictObject({
  id: SkillRequestIdSchema,
  cancel: z.literal(true),
});

/** A line the orchestrator writes to the child's stdin. */
export const SkillInputLineSchema = z.union([SkillRequestSchema, SkillCancelSchema]);

/** The batch's result: the same shape a JavaScript skill's `run` returns, plus the request's id. */
export const SkillResultResponseSchema = SkillResultSchema.extend({ id: SkillRequestIdSchema });

/** The batch failed; it is retried as usual. `error` is the message shown in the report. */
export const SkillErrorResponseSchema = z.strictObject({
  id: SkillRequestIdSchema,
  error: z.string(),
});

/** A line the child writes to its stdout: one per request, in any order. */
export const SkillResponseSchema = z.union([SkillErrorResponseSchema, SkillResultResponseSchema]);

export type SkillRequest = z.output<typeof SkillRequestSchema>;
export type SkillCancel = z.output<typeof SkillCancelSchema>;
export type SkillInputLine = z.output<typeof SkillInputLineSchema>;
export type SkillResultResponse = z.output<typeof SkillResultResponseSchema>;
export type SkillErrorResponse = z.output<typeof SkillErrorResponseSchema>;
export type SkillResponse = z.output<typeof SkillResponseSchema>;

/**
 * The part of a stdout line the orchestrator reads before it knows which request it answers: a JSON
 * object with an integer id. What else it holds is checked against that request (the runner validates a
 * result as it validates a JavaScript skill's).
 */
export const SkillResponseEnvelopeSchema = z.looseObject({ id: z.int() });
