import { InternalError } from '../errors.ts';

/** Placeholder logic for actors the runtime must supply with `machine.provide()`. */
export function notProvided(name: string): () => never {
  return () => {
    throw new InternalError(`actor "${name}" was not provided to the machine`);
  };
}
