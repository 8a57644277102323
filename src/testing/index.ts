/**
 * streamlite-rx/testing: the marble-test kit.
 *
 * Convention: lowercase marble letters are records (`rec(value, timestamp)`),
 * uppercase letters are control elements (`W` = `wm(t)`, `B` = `bar(id)`),
 * `E` (or completion `|`) is end of input. Run rxjs-marbles in run mode
 * (`configure({ run: true })`), where one character is one frame.
 */

/* Elements for values maps */
export { rec } from './rec';
export { batchOf } from './batchOf';
export { wm } from './wm';
export { bar } from './bar';
export { sideRec } from './sideRec';

/* Values maps */
export { elementsOf } from './elementsOf';
export type { MarbleValues, RecordTypeOf } from './MarbleValues';
export { flatOf } from './flatOf';

/* Flat form */
export { flatten } from './flatten';
export type { FlattenOptions } from './flatten';
export { toFlat } from './toFlat';
export type {
  FlatElement,
  FlatRecord,
  FlatWatermark,
  FlatBarrier,
  FlatIdle,
  FlatEnd,
  FlatSideRecord,
  FlatKind,
} from './FlatElement';

/* Marble context helpers */
export { coldElements } from './coldElements';
export { hotElements } from './hotElements';
export { expectElements } from './expectElements';
export type { MarbleContext, MarbleExpectContext } from './MarbleContext';

/* Checkpoints and crashes: crash equivalence of a job */
export { crashAfter } from './crashAfter';
export { crashOnce } from './crashOnce';
export { crashInCheckpoint } from './crashInCheckpoint';
export type { TornWrite } from './crashInCheckpoint';
export { jobMarkers } from './jobMarkers';
export type { CrashPoint, CheckpointCrashPhase } from './CrashPoint';
export { expectCrashEquivalence } from './expectCrashEquivalence';
export type { CrashEquivalenceOptions, CrashEquivalenceReport, CrashRun, CommittedSink } from './expectCrashEquivalence';

/* Jobs in virtual time */
export { runJobInVirtualTime } from './runJobInVirtualTime';
export type { VirtualJobOptions, VirtualJobRun } from './runJobInVirtualTime';
export { timelineOf } from './timelineOf';
export type { TimedElement } from './TimedElement';
export { marbleSource } from './marbleSource';
export type { MarbleSourceOptions } from './marbleSource';
