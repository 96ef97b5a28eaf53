import { z } from 'zod';

/** The A/B composite's name; its version holds both labels as JSON, so a report rebuilt from the store can name them. */
export const AB_SKILL_NAME = 'ab';

const LabelsSchema = z.tuple([z.string(), z.string()]);

/** The two versions' labels from a stored skill identity, or undefined when it is not an A/B composite. */
export function labelsOf(identity: { name: string; version: string }): { a: string; b: string } | undefined {
  if (identity.name !== AB_SKILL_NAME) return undefined;
  try {
    const parsed = LabelsSchema.safeParse(JSON.parse(identity.version));
    return parsed.success ? { a: parsed.data[0], b: parsed.data[1] } : undefined;
  } catch {
    return undefined;
  }
}

/** A run's skill as people read it: `name@version`, or `A/B: a vs b` for the composite (not its JSON version). */
export function skillLabel(identity: { name: string; version: string }): string {
  const labels = labelsOf(identity);
  return labels === undefined ? `${identity.name}@${identity.version}` : `A/B: ${labels.a} vs ${labels.b}`;
}
