import { configJsonSchemaText } from '../../config/jsonSchema.ts';
import { ExitCode, type CliIO } from '../io.ts';

/** `scenarios schema`: the config's JSON Schema on stdout (the package ships it as scenarios.schema.json). */
export function schemaCommand(_options: Record<string, unknown>, io: CliIO): Promise<number> {
  io.stdout.write(configJsonSchemaText());
  return Promise.resolve(ExitCode.ok);
}
