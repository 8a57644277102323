/**
 * Every benchmark workload, in the order `npm run bench` runs them.
 * To add one: write bench/workloads/<id><Name>.ts exporting a
 * `defineWorkload({...})`, and list it here.
 */
import type { AnyWorkload } from './types';
import { w1lLateData } from './w1lLateData';
import { w1Tumbling } from './w1Tumbling';
import { w2WordCount } from './w2WordCount';
import { w3Sliding } from './w3Sliding';
import { w4Sessions } from './w4Sessions';
import { w6StateCheckpoint } from './w6StateCheckpoint';
import { w7AsyncPerKey } from './w7AsyncPerKey';

export const WORKLOADS: readonly AnyWorkload[] = [
  w1Tumbling,
  w1lLateData,
  w2WordCount,
  w3Sliding,
  w4Sessions,
  w6StateCheckpoint,
  w7AsyncPerKey,
];

/** The workload with this id (case-insensitive), or undefined. */
export function findWorkload(id: string): AnyWorkload | undefined {
  const wanted = id.trim().toUpperCase();
  return WORKLOADS.find((w) => w.id.toUpperCase() === wanted);
}
