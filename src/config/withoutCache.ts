import type { OrchestrationConfig } from './schema.ts';

/**
 * The config with the batch cache off in every scenario that had it on (`cacheEnabled: true` in its
 * skillParams or in the skill's params), for `scenarios run --no-cache`. Done to the config rather than
 * the process, so the run's stored config says so and a resume of it keeps the cache off too.
 */
export function withoutCache(config: OrchestrationConfig): OrchestrationConfig {
  const shared = config.skill.params?.cacheEnabled;
  return {
    ...config,
    scenarios: config.scenarios.map((scenario) => {
      const own = Object.hasOwn(scenario.skillParams, 'cacheEnabled') ? scenario.skillParams.cacheEnabled : undefined;
      return (own ?? shared) === true ? { ...scenario, skillParams: { ...scenario.skillParams, cacheEnabled: false } } : scenario;
    }),
  };
}
