import type { Draft } from 'immer';

/**
 * One value per key (and namespace). `value()` returns the default until
 * `update` sets it; values are immutable: objects are changed through Immer
 * recipes (`update(draft => { draft.count++ })`) or replaced.
 */
export interface ValueState<S> {
  /** The current value, or the descriptor's default. Frozen: do not mutate it. */
  value(): S;
  /** Replaces the value, or changes it with a recipe run on the engine's Immer instance. */
  update(valueOrRecipe: S | ((draft: Draft<S>) => void | S)): void;
  /** Removes the value (back to the default). */
  clear(): void;
}

/** A list per key (and namespace). */
export interface ListState<T> {
  /** The elements (frozen; empty when unset). */
  get(): readonly T[];
  /** Appends one element. */
  add(value: T): void;
  /** Appends several elements. */
  addAll(values: readonly T[]): void;
  /** Replaces the list. */
  update(values: readonly T[]): void;
  clear(): void;
}

/** A map per key (and namespace); user keys follow the rules of stream keys. */
export interface MapState<UK, UV> {
  get(key: UK): UV | undefined;
  put(key: UK, value: UV): void;
  /** Changes one entry with an Immer recipe (`initial` when absent). */
  update(key: UK, initial: UV, recipe: (draft: Draft<UV>) => void | UV): void;
  remove(key: UK): void;
  contains(key: UK): boolean;
  entries(): [UK, UV][];
  keys(): UK[];
  values(): UV[];
  isEmpty(): boolean;
  clear(): void;
}

/** Values folded into one as they are added. */
export interface ReducingState<T> {
  /** The reduced value, or undefined when nothing was added. */
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}

/** Values added to an accumulator; read as a result. */
export interface AggregatingState<IN, OUT> {
  /** The result, or undefined when nothing was added. */
  get(): OUT | undefined;
  add(value: IN): void;
  clear(): void;
}
