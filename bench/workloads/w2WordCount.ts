/**
 * W2 — word count over 1,000,000 words through the fluent API.
 *
 * Data: 10,000 distinct pronounceable words, drawn with a Zipf distribution
 * (s = 1) from a fixed seed, 10 words per line joined by spaces (100,000 lines
 * at scale 1). Result: `[word, count]` pairs in first-seen order; the checksum
 * is order-sensitive, so every variant must also preserve first-seen order.
 */
import { from, lastValueFrom, mergeMap, Observable, type OperatorFunction } from 'rxjs';
import { StreamLite } from '../../src';
import { checksumPairs } from '../lib/checksum';
import { mulberry32, pronounceableWord, ZipfSampler } from '../lib/random';
import { defineWorkload, scaled } from './types';

export const W2_WORDS = 1_000_000;
export const W2_DISTINCT = 10_000;
export const W2_WORDS_PER_LINE = 10;

type Counts = [string, number][];

/** The lines of W2: `words` words, Zipf over `distinct` words, `perLine` per line. */
export function wordCountLines(seed: number, words: number, distinct = W2_DISTINCT, perLine = W2_WORDS_PER_LINE): string[] {
  const vocabulary = new Array<string>(distinct);
  for (let i = 0; i < distinct; i++) vocabulary[i] = pronounceableWord(i);
  const zipf = new ZipfSampler(distinct, 1, mulberry32(seed));
  const lines: string[] = [];
  const line: string[] = [];
  for (let i = 0; i < words; i++) {
    line.push(vocabulary[zipf.sample()]);
    if (line.length === perLine) {
      lines.push(line.join(' '));
      line.length = 0;
    }
  }
  if (line.length > 0) lines.push(line.join(' '));
  return lines;
}

/** A careful user's RxJS counting operator: one Map, one emission at completion. */
function countIntoMap(): OperatorFunction<string, Counts> {
  return (source) =>
    new Observable<Counts>((subscriber) => {
      const counts = new Map<string, number>();
      return source.subscribe({
        next(word) {
          counts.set(word, (counts.get(word) ?? 0) + 1);
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          subscriber.next(Array.from(counts));
          subscriber.complete();
        },
      });
    });
}

export const w2WordCount = defineWorkload<readonly string[], Counts>({
  id: 'W2',
  description: 'word count, 1M words (Zipf over 10,000 distinct), 10 per line, fluent API',
  records: W2_WORDS,
  generate(seed, scale) {
    const words = scaled(W2_WORDS, scale);
    return { data: wordCountLines(seed, words), records: words };
  },
  variants: {
    engine: (lines) =>
      StreamLite.fromCollection(lines)
        .flatMap((line) => line.split(' '))
        .keyBy((word) => word)
        .count()
        .collect(),

    hand: (lines) => {
      const counts = new Map<string, number>();
      for (let i = 0; i < lines.length; i++) {
        const words = lines[i].split(' ');
        for (let j = 0; j < words.length; j++) {
          const word = words[j];
          counts.set(word, (counts.get(word) ?? 0) + 1);
        }
      }
      return Array.from(counts);
    },

    'rxjs-careful': {
      note: 'per-record RxJS: from(lines) → mergeMap(split) → custom Map reduce',
      run: (lines) =>
        lastValueFrom(
          from(lines).pipe(
            mergeMap((line) => line.split(' ')),
            countIntoMap(),
          ),
        ),
    },
  },
  checksum: checksumPairs,
});
