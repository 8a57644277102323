import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, Observable, take, toArray } from 'rxjs';
import {
  collect,
  END_OF_INPUT,
  fromCollection,
  map,
  MAX_WATERMARK,
  NO_TIMESTAMP,
  SourceError,
  StreamLiteError,
  UserFunctionError,
  watermark,
  type Element,
  type RecordBatch,
} from '../src';
import { fileLines, toFile } from '../src/node';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamlite-node-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
async function fileWith(content: string | Buffer): Promise<string> {
  const path = join(dir, `f${fileCount++}.txt`);
  await writeFile(path, content);
  return path;
}

const elementsOf = <T>(source: Observable<Element<T>>): Promise<Element<T>[]> => lastValueFrom(source.pipe(toArray()));
const batchesOf = async <T>(source: Observable<Element<T>>): Promise<RecordBatch<T>[]> =>
  (await elementsOf(source)).filter((e): e is RecordBatch<T> => e.kind === 'batch');
const linesOf = async (source: Observable<Element<string>>): Promise<string[]> =>
  (await batchesOf(source)).flatMap((b) => [...b.values]);

/** Byte offsets just after each line of `lines` joined with `sep`. */
function offsetsAfter(lines: string[], sep: string, finalNewline: boolean): number[] {
  let at = 0;
  return lines.map((l, i) => {
    at += Buffer.byteLength(l) + (i < lines.length - 1 || finalNewline ? Buffer.byteLength(sep) : 0);
    return at;
  });
}

describe('fileLines', () => {
  const multibyte = ['héllo wörld', '日本語のテキスト', '', 'emoji 😀🎉 end', 'ascii', 'ñ'];

  it('decodes multibyte characters split across chunk boundaries, for every tiny chunk size', async () => {
    const path = await fileWith(multibyte.join('\n') + '\n');
    for (let chunkSize = 1; chunkSize <= 9; chunkSize++) {
      expect(await linesOf(fileLines(path, { chunkSize }))).toEqual(multibyte);
    }
  });

  it('ends with the maximum watermark and END, then completes', async () => {
    const path = await fileWith('a\nb\n');
    const elements = await elementsOf(fileLines(path, { chunkSize: 3 }));
    expect(elements.slice(-2)).toEqual([watermark(MAX_WATERMARK), END_OF_INPUT]);
    expect(elements.filter((e) => e.kind === 'batch').every((e) => (e as RecordBatch<string>).timestamps[0] === NO_TIMESTAMP)).toBe(true);
  });

  it('handles CRLF, also when the CR and the LF fall in different chunks', async () => {
    const path = await fileWith('a\r\nbb\r\n\r\nccc\r\nd');
    for (const chunkSize of [1, 2, 3, 4, 64 * 1024]) {
      expect(await linesOf(fileLines(path, { chunkSize }))).toEqual(['a', 'bb', '', 'ccc', 'd']);
    }
  });

  it('reads a last line without newline, no line from an empty file, no extra line after a final newline', async () => {
    expect(await linesOf(fileLines(await fileWith('x\ny')))).toEqual(['x', 'y']);
    expect(await linesOf(fileLines(await fileWith('')))).toEqual([]);
    expect(await linesOf(fileLines(await fileWith('x\n')))).toEqual(['x']);
    expect(await linesOf(fileLines(await fileWith('\n')))).toEqual(['']);
  });

  it('skips a UTF-8 byte-order mark at the start of the file', async () => {
    const path = await fileWith(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('α\nβ\n')]));
    expect(await linesOf(fileLines(path, { chunkSize: 1 }))).toEqual(['α', 'β']);
  });

  it('records on each batch the byte offset just after its last line', async () => {
    const path = await fileWith(multibyte.join('\r\n'));
    const expectedEnds = offsetsAfter(multibyte, '\r\n', false);
    for (const [chunkSize, batchSize] of [[1, 1], [3, 2], [5, 4], [1024, 2], [1024, 1024]]) {
      const batches = await batchesOf(fileLines(path, { chunkSize, batchSize }));
      let lineCount = 0;
      for (const b of batches) {
        expect(b.values.length).toBeLessThanOrEqual(batchSize);
        lineCount += b.values.length;
        expect(b.offset).toBe(expectedEnds[lineCount - 1]);
      }
      expect(lineCount).toBe(multibyte.length);
    }
  });

  it('rewinds to a recorded offset with startOffset, producing exactly the remaining lines', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i} ${'é'.repeat(i % 5)}`);
    const path = await fileWith(lines.join('\n') + '\n');
    const batches = await batchesOf(fileLines(path, { chunkSize: 7, batchSize: 3 }));
    let consumed = 0;
    for (const b of batches) {
      consumed += b.values.length;
      const rest = await linesOf(fileLines(path, { startOffset: b.offset as number, chunkSize: 5 }));
      expect(rest).toEqual(lines.slice(consumed));
    }
    expect(await linesOf(fileLines(path, { startOffset: 0 }))).toEqual(lines);
  });

  it('streams a large file in bounded chunks: batches never span more than a chunk plus a line', async () => {
    const n = 200_000;
    const lines = Array.from({ length: n }, (_, i) => `${i},sensor-${i % 97},${(i * 0.37).toFixed(2)},ü`);
    const content = lines.join('\n') + '\n';
    const path = await fileWith(content);
    const chunkSize = 4096;
    const longestLine = lines.reduce((max, l) => Math.max(max, Buffer.byteLength(l) + 1), 0);
    let count = 0;
    let batches = 0;
    let previousOffset = 0;
    for (const b of await batchesOf(fileLines(path, { chunkSize }))) {
      expect((b.offset as number) - previousOffset).toBeLessThanOrEqual(chunkSize + longestLine);
      previousOffset = b.offset as number;
      if (count === 0) expect(b.values[0]).toBe(lines[0]);
      count += b.values.length;
      batches++;
    }
    expect(count).toBe(n);
    expect(previousOffset).toBe(Buffer.byteLength(content));
    expect(batches).toBeGreaterThanOrEqual(Math.floor(Buffer.byteLength(content) / chunkSize));
  });

  it('extracts event timestamps, the index counting lines from startOffset', async () => {
    const path = await fileWith('10,a\n20,b\n30,c\n');
    const batches = await batchesOf(fileLines(path, { timestamp: (l) => Number(l.split(',')[0]) }));
    expect(batches.flatMap((b) => [...b.timestamps])).toEqual([10, 20, 30]);
    const indices: number[] = [];
    await linesOf(fileLines(path, { startOffset: 5, timestamp: (_l, i) => (indices.push(i), i) }));
    expect(indices).toEqual([0, 1]);
  });

  it('errors with a UserFunctionError when the timestamp extractor throws', async () => {
    const path = await fileWith('1\nx\n');
    const parse = (l: string): number => {
      if (l === 'x') throw new Error('not a number');
      return Number(l);
    };
    await expect(elementsOf(fileLines(path, { timestamp: parse }))).rejects.toBeInstanceOf(UserFunctionError);
  });

  it('fails with a SourceError carrying the file-system error', async () => {
    const missing = fileLines(join(dir, 'does-not-exist.txt'));
    await expect(elementsOf(missing)).rejects.toBeInstanceOf(SourceError);
    await expect(elementsOf(missing)).rejects.toMatchObject({ operator: 'fileLines', cause: { code: 'ENOENT' } });
    await expect(elementsOf(fileLines(dir))).rejects.toMatchObject({ operator: 'fileLines', cause: { code: 'EISDIR' } });
  });

  it('validates its options where the source is created', () => {
    expect(() => fileLines('x', { chunkSize: 0 })).toThrow(/chunkSize/);
    expect(() => fileLines('x', { startOffset: -1 })).toThrow(/startOffset/);
    expect(() => fileLines('x', { batchSize: 1.5 })).toThrow(/batchSize/);
  });

  it('stops reading when unsubscribed', async () => {
    const path = await fileWith(Array.from({ length: 1000 }, (_, i) => String(i)).join('\n'));
    const first = await lastValueFrom(fileLines(path, { chunkSize: 16 }).pipe(take(1)));
    expect(first).toMatchObject({ kind: 'batch', values: ['0', '1', '2', '3', '4', '5', '6', '7'] });
  });
});

describe('toFile', () => {
  it('writes each value as a line and resolves once the file is closed (round trip with fileLines)', async () => {
    const path = join(dir, 'out-roundtrip.jsonl');
    const records = [{ id: 1, name: 'ä' }, { id: 2, name: '日本' }, { id: 3, name: 'x' }];
    await toFile(path)(fromCollection(records, { batchSize: 2 }));
    expect(await readFile(path, 'utf8')).toBe('{"id":1,"name":"ä"}\n{"id":2,"name":"日本"}\n{"id":3,"name":"x"}\n');
    const back = await collect(fileLines(path, { chunkSize: 3 }).pipe(map((l: string) => JSON.parse(l) as unknown)));
    expect(back).toEqual(records);
  });

  it('serializes strings as they are and other primitives with String, or with a serializer', async () => {
    const path = join(dir, 'out-primitives.txt');
    await toFile(path)(fromCollection<unknown>(['a', 1, true, null, 2n]));
    expect(await readFile(path, 'utf8')).toBe('a\n1\ntrue\nnull\n2\n');
    await toFile(path, { serializer: (n) => `n=${n}`, sync: true })(fromCollection([1, 2]));
    expect(await readFile(path, 'utf8')).toBe('n=1\nn=2\n');
    await toFile(path, { serializer: (n) => `n=${n}`, append: true })(fromCollection([3]));
    expect(await readFile(path, 'utf8')).toBe('n=1\nn=2\nn=3\n');
  });

  it('copies a large file line by line', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `${i}:${'ß'.repeat(i % 7)}`);
    const input = await fileWith(lines.join('\n') + '\n');
    const output = join(dir, 'out-large.txt');
    await toFile(output)(fileLines(input, { chunkSize: 1000 }));
    expect(await readFile(output, 'utf8')).toBe(lines.join('\n') + '\n');
  });

  it('writes records from an asynchronous stream as they come', async () => {
    const path = join(dir, 'out-async.txt');
    const source = new Observable<Element<string>>((subscriber) => {
      let i = 0;
      const timer = setInterval(() => {
        subscriber.next({ kind: 'batch', values: [`v${i}`], timestamps: [i] });
        if (++i === 5) {
          clearInterval(timer);
          subscriber.next(END_OF_INPUT);
          subscriber.complete();
        }
      }, 1);
      return () => clearInterval(timer);
    });
    await toFile(path)(source);
    expect(await readFile(path, 'utf8')).toBe('v0\nv1\nv2\nv3\nv4\n');
  });

  it("rejects with the stream's error after writing what came before it", async () => {
    const path = join(dir, 'out-error.txt');
    const boom = new Error('boom');
    const source = new Observable<Element<string>>((subscriber) => {
      subscriber.next({ kind: 'batch', values: ['kept'], timestamps: [0] });
      setTimeout(() => {
        subscriber.next({ kind: 'batch', values: ['also kept'], timestamps: [1] });
        subscriber.error(boom);
      }, 5);
    });
    await expect(toFile(path)(source)).rejects.toBe(boom);
    expect(await readFile(path, 'utf8')).toBe('kept\nalso kept\n');
    const syncFailure = new Observable<Element<string>>((subscriber) => {
      subscriber.next({ kind: 'batch', values: ['before'], timestamps: [0] });
      subscriber.error(boom);
    });
    await expect(toFile(path)(syncFailure)).rejects.toBe(boom);
    expect(await readFile(path, 'utf8')).toBe('before\n');
  });

  it('rejects with a UserFunctionError when the serializer throws', async () => {
    const path = join(dir, 'out-serializer.txt');
    const sink = toFile<number>(path, {
      serializer: (n) => {
        if (n === 2) throw new Error('no 2');
        return String(n);
      },
    });
    await expect(sink(fromCollection([1, 2, 3]))).rejects.toBeInstanceOf(UserFunctionError);
  });

  it('rejects with an error naming toFile when the file cannot be opened', async () => {
    const promise = toFile(join(dir, 'no-such-dir', 'out.txt'))(fromCollection([1]));
    await expect(promise).rejects.toBeInstanceOf(StreamLiteError);
    await expect(promise).rejects.toMatchObject({ operator: 'toFile', cause: { code: 'ENOENT' } });
  });
});
