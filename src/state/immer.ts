import { enableMapSet, freeze, Immer, type Draft } from 'immer';

/**
 * @internal
 * The engine's own Immer instance: never the global one, whose settings belong
 * to the host application. State values built by recipes are frozen (deeply,
 * on the parts a recipe touches), so user code cannot mutate state in place;
 * a value written directly with `update(value)` is frozen too.
 *
 * `enableMapSet()` only adds Map/Set support to Immer's plugin registry; it
 * changes no behaviour of the host's Immer.
 */
enableMapSet();

/** @internal */
export const immer = new Immer({ autoFreeze: true });

/** @internal Applies a recipe to a state value with the engine's Immer. */
export function produceState<S>(base: S, recipe: (draft: Draft<S>) => void | S): S {
  return immer.produce(base, recipe as (draft: Draft<S>) => Draft<S> | void) as S;
}

/** @internal Deep-freezes a value written into state directly (primitives pass through). */
export function freezeState<S>(value: S): S {
  return typeof value === 'object' && value !== null ? freeze(value, true) : value;
}
