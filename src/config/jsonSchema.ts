import { z } from 'zod';
import { OrchestrationConfigSchema } from './schema.ts';

/**
 * The JSON Schema of a config file as a user writes it (defaults may be left out), generated from the zod
 * schema so editors complete and check configs by the same rules the loader applies. Draft-07, the draft
 * editors support best. What JSON Schema cannot say (name uniqueness, barriers among the milestones,
 * matrix paths) is still checked when a config loads.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(OrchestrationConfigSchema, {
    io: 'input',
    target: 'draft-07',
    // Records keyed by user-chosen names (skill params) are a zod custom type that keeps "__proto__" keys.
    unrepresentable: () => ({ type: 'object' }),
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema !== (OrchestrationConfigSchema as unknown)) return;
      // Beside a template and a matrix, a config's own scenarios are optional.
      const required = (jsonSchema.required ?? []).filter((key) => key !== 'scenarios');
      if (required.length > 0) jsonSchema.required = required;
      else delete jsonSchema.required;
      jsonSchema.anyOf = [{ required: ['scenarios'] }, { required: ['template', 'matrix'] }];
    },
  }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'scenario-orchestrator config',
    description: 'A config for `scenarios run`: a skill, and the scenarios to run it under (written out, or a template and a matrix)',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}

/** The file `scenarios schema` prints and the package ships as scenarios.schema.json. */
export const configJsonSchemaText = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
