import { describe, expect, it } from 'vitest';
import { finishedByName, finishedProgress, noneFinished, withFinished } from '../../src/machines/finishedScenarios.ts';
import type { ScenarioProgress } from '../../src/report/schema.ts';

const progress = (name: string) => ({ name, status: 'complete' }) as ScenarioProgress;

describe('finished scenarios', () => {
  it('keeps every finished scenario\'s progress by name, whatever the name, without changing what it was given', () => {
    const names = ['a', 'toString', '__proto__', 'constructor', ...Array.from({ length: 200 }, (_, i) => `s${i}`)];
    const before = noneFinished(names.length);
    const copy = structuredClone(before);
    let finished = before;
    for (const name of names) finished = withFinished(finished, name, progress(name));
    expect(before).toEqual(copy);
    for (const name of names) expect(finishedProgress(finished, name)).toEqual(progress(name));
    expect(finishedProgress(finished, 'missing')).toBeUndefined();
    expect(finishedProgress(before, 'a')).toBeUndefined();
    expect(Object.keys(finishedByName(finished)).sort()).toEqual([...names].sort());
  });

  it('reads the same after a round trip through JSON, as a restored snapshot does', () => {
    const finished = ['x', 'y', 'valueOf'].reduce((f, name) => withFinished(f, name, progress(name)), noneFinished(3));
    const restored = JSON.parse(JSON.stringify(finished)) as typeof finished;
    expect(finishedProgress(restored, 'valueOf')).toEqual(progress('valueOf'));
    expect(finishedProgress(restored, 'hasOwnProperty')).toBeUndefined();
    expect(finishedByName(restored)).toEqual(finishedByName(finished));
  });
});
