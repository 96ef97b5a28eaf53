export { buildReport } from './buildReport.ts';
export { checkBudgets } from './budgets.ts';
export type { ScenarioBudgets } from './budgets.ts';
export { QUALITY_THRESHOLDS, computeQualityScores, meetsExpectedQuality, qualityThreshold, unmeasuredMetrics } from './quality.ts';
export type { QualityScores } from './quality.ts';
export { rankByQuality } from './ranking.ts';
export { recommend } from './recommendations.ts';
export type { RecommendationInput } from './recommendations.ts';
export { renderJson } from './renderJson.ts';
export { renderMarkdown } from './renderMarkdown.ts';
export { renderText } from './renderText.ts';
export { fitScaling, scalingVerdict } from './scaling.ts';
export type { ScalingPoint } from './scaling.ts';
export {
  BarrierRecordSchema,
  MissingMetricSchema,
  RankingBasisSchema,
  ReportSchema,
  RunOutcomeSchema,
  ScenarioProgressSchema,
  ScenarioReportSchema,
  ScalingSchema,
} from './schema.ts';
export type {
  BarrierRecord,
  BudgetCheck,
  FailureReason,
  MissingMetric,
  RankingBasis,
  Report,
  RunOutcome,
  Scaling,
  ScenarioProgress,
  ScenarioReport,
  ScenarioStatus,
} from './schema.ts';
