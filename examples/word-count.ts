/**
 * Word count: the seed article's first pipeline, on the embedded default
 * (an in-memory collection; no server needed).
 *
 *   npm start
 */
import { StreamLite } from '../src';

export async function main(lines: readonly string[] = ['the quick brown fox', 'the lazy dog']): Promise<[string, number][]> {
  return StreamLite.fromCollection(lines)
    .flatMap((line) => line.split(' '))
    .keyBy((word) => word)
    .count()
    .collect();
}

if (require.main === module) {
  main()
    .then((counts) => {
      for (const [word, n] of counts) console.log(`${word}\t${n}`);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
