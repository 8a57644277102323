/**
 * Every benchmark workload, in the order `npm run bench` runs them.
 * To add one: write bench/workloads/<id><Name>.ts exporting a
 * `defineWorkload({...})`, and list it here.
 */
import type { AnyWorkload } from './types';
import { w2WordCount } from './w2WordCount';

export const WORKLOADS: readonly AnyWorkload[] = [w2WordCount];

/** The workload with this id (case-insensitive), or undefined. */
export function findWorkload(id: string): AnyWorkload | undefined {
  const wanted = id.trim().toUpperCase();
  return WORKLOADS.find((w) => w.id.toUpperCase() === wanted);
}
