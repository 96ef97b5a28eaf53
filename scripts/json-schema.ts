/** Rewrites scenarios.schema.json (shipped in the package) from the zod schema: `npm run docs:schema`. */
import { writeFileSync } from 'node:fs';
import { configJsonSchemaText } from '../src/config/jsonSchema.ts';

writeFileSync('scenarios.schema.json', configJsonSchemaText());
