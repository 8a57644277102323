/**
 * streamlite-rx: a stream processing engine on RxJS.
 * This file is the public door: named re-exports only.
 */

/* Elements */
export type {
  Element,
  RecordBatch,
  KeyedRecordBatch,
  KeyedElement,
  SideOutputBatch,
  Watermark,
  CheckpointBarrier,
  IdleMarker,
  EndOfInput,
  ControlElement,
  SourceOffset,
} from './core/Element';
export { recordBatch, record, watermark, barrier, idle, sideOutputBatch, END_OF_INPUT } from './core/elementFactories';
export { isRecordBatch, isWatermark, isBarrier, isIdleMarker, isEndOfInput, isSideOutput } from './core/isElement';
export { MIN_WATERMARK, MAX_WATERMARK, NO_TIMESTAMP } from './core/time';
export type { Timestamp, Duration, KeySelector, TimestampExtractor, ElementOperator } from './core/types';

/* Fluent API */
export { StreamLite, KeyedStream } from './core/StreamLite';

/* Errors */
export {
  StreamLiteError,
  InvalidArgumentError,
  UserFunctionError,
  InvalidTimestampError,
  MissingTimestampError,
  InvalidKeyError,
  NotKeyedError,
  InvalidElementError,
  SourceError,
  CheckpointCorruptedError,
  CheckpointVersionError,
  CheckpointNotFoundError,
  SerializationError,
} from './core/errors';
export type { RecordDescription, CheckpointSource, CheckpointCorruption } from './core/errors';

/* Operators */
export { map } from './operators/map';
export { filter } from './operators/filter';
export { flatMap } from './operators/flatMap';
export { keyBy } from './operators/keyBy';
export { process } from './operators/process';
export type { ProcessFunction, ProcessContext, Collector } from './operators/process';
export { count } from './operators/count';
export { sum } from './operators/sum';
export { min } from './operators/min';
export { max } from './operators/max';
export { avg } from './operators/avg';
export type { AvgAccumulator } from './operators/avg';
export { reduce } from './operators/reduce';
export type { ReduceAccumulator } from './operators/reduce';
export type { AggregateFunction } from './operators/AggregateFunction';
export type { KeyedAggregation, KeyedAggregationOptions } from './operators/keyedAggregateInternals';

/* Routing */
export { OutputTag } from './route/OutputTag';
export { sideOutput } from './route/sideOutput';
export { union } from './route/union';

/* Sources and sinks */
export { fromCollection } from './connectors/fromCollection';
export type { FromCollectionOptions } from './connectors/fromCollection';
export { fromIterable } from './connectors/fromIterable';
export { fromAsyncIterable } from './connectors/fromAsyncIterable';
export type { FromAsyncIterableOptions } from './connectors/fromAsyncIterable';
export { fromObservable } from './connectors/fromObservable';
export { fromValues } from './connectors/fromValues';
export type { FromValuesOptions } from './connectors/fromValues';
export type { SourceOptions } from './connectors/sourceInternals';
export { values } from './connectors/values';
export { collect } from './connectors/collect';
export { forEach } from './connectors/forEach';
export { toObservable } from './connectors/toObservable';

/* Windows */
export { window } from './window/window';
export type { WindowedElement } from './window/window';
export { aggregate } from './window/aggregate';
export { processWindow } from './window/processWindow';
export type {
  WindowOptions,
  ProcessWindowFunction,
  ProcessWindowContext,
  AggregateProcessFunction,
  WindowUserState,
} from './window/windowInternals';
export { TimeWindow, GLOBAL_WINDOW } from './window/TimeWindow';
export type { Window } from './window/TimeWindow';
export { cleanupTime, isWindowLate } from './window/lateness';
export { windowStart } from './window/windowMath';
export type { WindowAssigner, AssignerContext, TimeDomain } from './window/WindowAssigner';
export type { TimeWindowOptions } from './window/assigners/assignerInternals';
export { tumbling } from './window/assigners/tumbling';
export { sliding } from './window/assigners/sliding';
export { session } from './window/assigners/session';
export { global } from './window/assigners/global';
export { countWindow } from './window/assigners/countWindow';
export type { Trigger, TriggerContext, TriggerMergeContext, TriggerState } from './window/Trigger';
export type { TriggerResult } from './window/TriggerResult';
export { eventTimeTrigger } from './window/triggers/eventTimeTrigger';
export { processingTimeTrigger } from './window/triggers/processingTimeTrigger';
export { countTrigger } from './window/triggers/countTrigger';
export { continuousEventTimeTrigger } from './window/triggers/continuousEventTimeTrigger';
export { continuousProcessingTimeTrigger } from './window/triggers/continuousProcessingTimeTrigger';
export { earlyAndLateTrigger } from './window/triggers/earlyAndLateTrigger';
export type { EarlyAndLateOptions, FiringSpec } from './window/triggers/earlyAndLateTrigger';
export { purging } from './window/triggers/purging';
export type { Evictor, EvictorContext, TimestampedValue } from './window/Evictor';
export { countEvictor } from './window/evictors/countEvictor';
export { timeEvictor } from './window/evictors/timeEvictor';
export { deltaEvictor } from './window/evictors/deltaEvictor';
export type { PaneInfo, PaneTiming } from './window/PaneInfo';
export type { WindowResult } from './window/WindowResult';
export type { AccumulationMode } from './window/AccumulationMode';
export { WindowedStream } from './core/WindowedStream';

/* Time */
export { EventTimeScheduler } from './time/EventTimeScheduler';
export { boundedOutOfOrderness } from './time/boundedOutOfOrderness';
export { monotonous } from './time/monotonous';
export { punctuated } from './time/punctuated';
export type { PunctuationFunction } from './time/punctuated';
export { withIdleness } from './time/withIdleness';
export type { WatermarkStrategy, WatermarkGenerator, WatermarkGeneratorSnapshot, WatermarkEmission } from './time/WatermarkStrategy';
export { inEventTime, IN_EVENT_TIME_LATE } from './time/inEventTime';
export type { InEventTimeOptions } from './time/inEventTime';
export { assignTimestampsAndWatermarks } from './operators/assignTimestampsAndWatermarks';
export type { AssignTimestampsAndWatermarksOptions } from './operators/assignTimestampsAndWatermarks';

/* Metrics */
export { Counter } from './metrics/Counter';
export { MetricRegistry } from './metrics/MetricRegistry';
export { Gauge } from './metrics/Gauge';

/* Keyed state and actors */
export { keyedProcess } from './operators/keyedProcess';
export type {
  KeyedProcessFunction,
  KeyedProcessContext,
  OnTimerContext,
  KeyedProcessOptions,
  ProcessResult,
} from './operators/keyedProcess';
export type { TimerService, TimersSnapshotData } from './time/TimerService';
export type { ValueState, ListState, MapState, ReducingState, AggregatingState } from './state/KeyedState';
export { valueState, listState, mapState, reducingState, aggregatingState } from './state/StateDescriptor';
export type {
  StateDescriptor,
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
} from './state/StateDescriptor';
export type { StateTtlConfig } from './state/StateTtlConfig';
export { HeapKeyedStateBackend, KeyedStateSnapshot } from './state/HeapKeyedStateBackend';
export type { KeyedStateSnapshotData, KeyScope } from './state/HeapKeyedStateBackend';
export {
  keyGroupOf,
  keyGroupRangeFor,
  allKeyGroups,
  inKeyGroupRange,
  murmur3,
  DEFAULT_MAX_PARALLELISM,
} from './state/keyGroups';
export type { KeyGroupRange } from './state/keyGroups';

/* Checkpoints */
export { runJob, Job } from './checkpoint/runJob';
export type { JobOptions, JobResult } from './checkpoint/runJob';
export type { CheckpointState } from './checkpoint/CheckpointCoordinator';
export { noRestart, fixedDelay, failureRate } from './checkpoint/restartStrategies';
export type { RestartStrategy } from './checkpoint/restartStrategies';
export type { SinkParticipant } from './checkpoint/JobContext';
export { serialize, deserialize, MAX_SERIALIZED_DEPTH } from './checkpoint/serializer';
export {
  encodeSnapshot,
  decodeSnapshot,
  readSnapshotHeader,
  SNAPSHOT_MAGIC,
  SNAPSHOT_FORMAT_VERSION,
  SUPPORTED_SNAPSHOT_FORMAT_VERSIONS,
  SNAPSHOT_HEADER_LENGTH,
  MAX_SNAPSHOT_PAYLOAD_LENGTH,
} from './checkpoint/snapshotFormat';
export type { SnapshotHeader } from './checkpoint/snapshotFormat';
export { MemoryCheckpointStorage } from './checkpoint/MemoryCheckpointStorage';
export { DEFAULT_CHECKPOINTS_KEPT } from './checkpoint/CheckpointStorage';
export type {
  CheckpointStorage,
  CheckpointStorageOptions,
  StoredCheckpoint,
  SkippedCheckpoint,
  LatestIntactCheckpoint,
} from './checkpoint/CheckpointStorage';
export type { CheckpointMetadata, OperatorCheckpointMetadata } from './checkpoint/CheckpointMetadata';
export { twoPhaseCommit, MemoryTransactionalSink, FINAL_TRANSACTION } from './checkpoint/twoPhaseCommit';
export type { TransactionalSink } from './checkpoint/twoPhaseCommit';
export { idempotentSink } from './checkpoint/idempotentSink';
export { mergeSavepoints } from './checkpoint/mergeSavepoints';
