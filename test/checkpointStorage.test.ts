/**
 * MemoryCheckpointStorage: the storage contract (round trips, retention,
 * concurrency, every kind of damage skipped by latestIntact()), with damage
 * done through its test hook, plus metadata checks.
 */
import { checkCheckpointMetadata } from '../src/checkpoint/CheckpointMetadata';
import type { CheckpointStorageOptions } from '../src/checkpoint/CheckpointStorage';
import { MemoryCheckpointStorage } from '../src/checkpoint/MemoryCheckpointStorage';
import { InvalidArgumentError } from '../src/core/errors';
import { describeCheckpointStorageContract, metadataOf, stateOf, type StorageHarness } from './support/checkpointStorageContract';
import { thrownBy } from './support/errorOf';

async function memory(options?: CheckpointStorageOptions): Promise<StorageHarness> {
  const storage = new MemoryCheckpointStorage(options);
  return {
    storage,
    corrupt: async (id, part, edit) => storage.tamper(id, part, (bytes) => (bytes === undefined ? undefined : edit(bytes))),
  };
}

describe('MemoryCheckpointStorage', () => {
  describeCheckpointStorageContract(memory);

  it('hands out copies: changing the bytes read does not change the checkpoint', async () => {
    const storage = new MemoryCheckpointStorage();
    await storage.write(1, stateOf(1), metadataOf(1));
    (await storage.read(1)).data.fill(0);
    await expect(storage.latestIntact()).resolves.toMatchObject({ checkpoint: { checkpointId: 1 }, skipped: [] });
  });

  it('tamper() gets a copy, and removes a part when told to', async () => {
    const storage = new MemoryCheckpointStorage();
    await storage.write(1, stateOf(1), metadataOf(1));
    storage.tamper(1, 'data', (bytes) => {
      bytes!.fill(0);
      return undefined;
    });
    await expect(storage.read(1)).rejects.toMatchObject({ name: 'CheckpointCorruptedError', reason: 'missing-data' });
  });
});

describe('CheckpointMetadata', () => {
  it('keeps only the documented fields and is JSON-safe', () => {
    const extra = { ...metadataOf(4), note: 'dropped', operators: { op: { sizeBytes: 3, other: 1 } } };
    const checked = checkCheckpointMetadata(extra);
    expect(checked).toEqual({ ...metadataOf(4), operators: { op: { sizeBytes: 3 } } });
    expect(JSON.parse(JSON.stringify(checked))).toEqual(checked);
  });

  it('keeps a source named __proto__ as a name', () => {
    const checked = checkCheckpointMetadata(JSON.parse(JSON.stringify({ ...metadataOf(1), sourceOffsets: {} }).replace('"sourceOffsets":{}', '"sourceOffsets":{"__proto__":5}')));
    expect(Object.keys(checked.sourceOffsets)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(checked.sourceOffsets)).toBe(Object.prototype);
  });

  it.each([
    ['not an object', 5, "argument 'metadata.' must be an object, got 5"],
    ['savepoint missing', { ...metadataOf(1), savepoint: undefined }, "argument 'metadata.savepoint' must be a boolean, got undefined"],
    ['an infinite completion time', { ...metadataOf(1), completedAt: Infinity }, "argument 'metadata.completedAt' must be a finite number, got Infinity"],
    ['an operator without a size', { ...metadataOf(1), operators: { a: {} } }, `argument 'metadata.operators["a"]' must be an object { sizeBytes: number ≥ 0 }, got {}`],
    ['an id that is not a safe integer', { ...metadataOf(1), checkpointId: 2 ** 53 }, "argument 'metadata.checkpointId' must be a positive safe integer, got 9007199254740992"],
  ])('refuses %s', (_name, value, message) => {
    const err = thrownBy(() => checkCheckpointMetadata(value));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toBe(`CheckpointMetadata: ${message}`);
  });
});
