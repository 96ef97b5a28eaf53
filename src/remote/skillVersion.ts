import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Skill } from '../actors/skill.ts';
import { skillOrigin } from '../actors/skillOrigin.ts';

/**
 * The DBOS application version batches are enqueued under and workers take work of: the skill's name and
 * version, and for a module the hash of its file, so a host whose copy of the skill differs (edited, stale,
 * another version) takes no batch of the run. A command skill's default version is already a hash of its
 * script (commandIdentity). Files the module imports are not hashed: bump `version` when only they change.
 */
export function remoteSkillVersion(skill: Pick<Skill<unknown>, 'name' | 'version'>): string {
  const origin = skillOrigin(skill);
  const base = `${skill.name}@${skill.version}`;
  if (!origin || !('module' in origin)) return base;
  return `${base}+${createHash('sha256').update(readFileSync(origin.module)).digest('hex').slice(0, 12)}`;
}
