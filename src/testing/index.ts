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
