/** scenario-orchestrator: run one skill under several scenarios as XState actors and compare how it behaves. */
export { createOrchestration } from './api/createOrchestration.ts';
export type { Orchestration, OrchestrationOptions, OrchestratorActor } from './api/createOrchestration.ts';
export { ProgressEventSchema } from './api/progressEvents.ts';
export { createDurableOrchestration, resumeOrchestration } from './api/durableOrchestration.ts';
export type { DurableOrchestration, DurableOutcome, DurableOptions, ResumeOptions } from './api/durableOrchestration.ts';
export { loadStoredRun } from './api/storedRun.ts';
export type { StoredRun } from './api/storedRun.ts';
export { openStore } from './persistence/openStore.ts';
export type { ProgressEvent } from './api/progressEvents.ts';
export { defineSkill, SkillResultSchema } from './actors/skill.ts';
export type { Skill, SkillContext, SkillResult } from './actors/skill.ts';
export { simulatedSkill } from './actors/simulatedSkill.ts';
export { loadSkillModule, builtinSkills } from './actors/loadSkill.ts';
export { commandSkill } from './actors/commandSkill.ts';
export type { CommandSkill, CommandSkillOptions, CommandSkillRef } from './actors/commandSkill.ts';
export { abSkill } from './ab/abSkill.ts';
export type { AbSkill, AbVersion } from './ab/abSkill.ts';
export { loadAbSkill } from './ab/loadAbSkill.ts';
export type { LoadAbOptions, LoadedAbSkill } from './ab/loadAbSkill.ts';
export { AbReportSchema } from './ab/abReportSchema.ts';
export type { AbReport, AbScenario, AbMeasure } from './ab/abReportSchema.ts';
export {
  SkillRequestSchema,
  SkillCancelSchema,
  SkillInputLineSchema,
  SkillResponseSchema,
  SkillResultResponseSchema,
  SkillErrorResponseSchema,
  SkillRequestIdSchema,
} from './actors/skillProtocol.ts';
export type { SkillRequest, SkillCancel, SkillInputLine, SkillResponse, SkillResultResponse, SkillErrorResponse } from './actors/skillProtocol.ts';
export { generateItems } from './actors/inputData.ts';
export type { InputItem } from './actors/inputData.ts';
export { openDatasets } from './data/openDatasets.ts';
export type { OpenedDatasets, OpenDatasetsOptions } from './data/openDatasets.ts';
export type { DatasetProgress } from './data/datasetIndex.ts';
export type { ItemSource } from './actors/batchRunner.ts';
export { defaultConfig } from './config/defaultConfig.ts';
export { parseConfig } from './config/parseConfig.ts';
export { loadConfigFile } from './config/loadConfigFile.ts';
export { OrchestrationConfigSchema, ScenarioDefinitionSchema } from './config/schema.ts';
export type { OrchestrationConfig, OrchestrationConfigInput, ScenarioDefinition, ScenarioDefinitionInput } from './config/schema.ts';
export { orchestratorMachine } from './machines/orchestratorMachine.ts';
export { scenarioMachine } from './machines/scenarioMachine.ts';
export { MemorySnapshotStore } from './persistence/MemorySnapshotStore.ts';
export type { SnapshotStore, BatchJournal, BatchRecord, StoredOrchestration, BatchResultCache, CachedBatch } from './persistence/SnapshotStore.ts';
export type { Baseline, BaselineKind, BaselineStore } from './persistence/SnapshotStore.ts';
export { compareStored } from './compare/compareStored.ts';
export { ComparisonSchema } from './compare/schema.ts';
export type { Comparison, ComparisonSide, ScenarioComparison, FigureComparison } from './compare/schema.ts';
export { parseFailOn, judgeRule, judgeBudgets } from './compare/failOn.ts';
export type { FailOn, MetricRule, RuleVerdict } from './compare/failOn.ts';
export type { BatchCache } from './actors/batchCache.ts';
export { storeBatchCache } from './persistence/batchCacheStore.ts';
export { batchCacheKey } from './actors/batchCacheKey.ts';
export { buildReport, renderText, renderMarkdown, renderJson } from './report/index.ts';
export { experimentRunId, findExperimentRuns, loadExperimentReport, repeatSeed } from './api/experiments.ts';
export { buildExperimentReport } from './report/experimentReport.ts';
export type { ExperimentInput, ExperimentRepeat } from './report/experimentReport.ts';
export { renderExperimentMarkdown, renderExperimentText } from './report/experimentRender.ts';
export { ExperimentReportSchema } from './report/experimentSchema.ts';
export type { ExperimentReport, ExperimentRun, ExperimentScenario, RepeatedMeasure } from './report/experimentSchema.ts';
export { ReportSchema, ScenarioProgressSchema } from './report/schema.ts';
export type { Report, ScenarioProgress, BarrierRecord, ScenarioReport } from './report/schema.ts';
export { ScenarioError, ConfigError, UsageError } from './errors.ts';
export { serveInspector, serveStoredRun } from './inspect/serveInspector.ts';
export type { ServeInspectorOptions } from './inspect/serveInspector.ts';
export type { InspectorServer, InspectorServerOptions } from './inspect/inspectorServer.ts';
export type { StoredRunData } from './inspect/storedSource.ts';
export type { InspectorView, InspectorDelta, ScenarioView, ActorView, BarrierView, LogEntry } from './inspect/inspectorView.ts';
export { startStatelyBridge } from './inspect/statelyBridge.ts';
export type { StatelyBridge } from './inspect/statelyBridge.ts';
export { exportDiagram, diagramMachines } from './inspect/diagram.ts';
export type { DiagramFormat, DiagramMachineName } from './inspect/diagram.ts';
export { toMachineGraph } from './inspect/machineGraph.ts';
export type { MachineGraph, GraphState, GraphTransition } from './inspect/machineGraph.ts';
export { toMermaid } from './inspect/toMermaid.ts';
export { toDot } from './inspect/toDot.ts';
export { renderSvg } from './inspect/renderSvg.ts';
