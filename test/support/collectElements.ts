import { lastValueFrom, toArray, type Observable } from 'rxjs';
import type { Element } from '../../src';

/**
 * Runs an element stream to completion and resolves with every element it
 * emitted (batches, control elements, side outputs), in order.
 */
export function collectElements<T>(source: Observable<Element<T>>): Promise<Element<T>[]> {
  return lastValueFrom(source.pipe(toArray()));
}

/** Runs a plain Observable to completion and resolves with every value. */
export function collectValues<T>(source: Observable<T>): Promise<T[]> {
  return lastValueFrom(source.pipe(toArray()));
}

/**
 * Runs an element stream that completes synchronously (hand-built or
 * collection sources through synchronous operators) and returns its elements;
 * throws the stream's error, or when it did not complete synchronously.
 */
export function collectElementsSync<T>(source: Observable<Element<T>>): Element<T>[] {
  const elements: Element<T>[] = [];
  let done = false;
  let failure: { error: unknown } | undefined;
  source.subscribe({
    next: (e) => elements.push(e),
    error: (error: unknown) => (failure = { error }),
    complete: () => (done = true),
  });
  if (failure) throw failure.error;
  if (!done) throw new Error('the stream did not complete synchronously');
  return elements;
}
