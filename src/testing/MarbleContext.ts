import type { Observable } from 'rxjs';

/**
 * What the kit needs of a marble test context to create test observables: the
 * rxjs-marbles context `m` and the `RunHelpers` of `TestScheduler.run()` both fit.
 */
export interface MarbleContext {
  cold<V>(marbles: string, values?: { [marble: string]: V }, error?: unknown): Observable<V>;
  hot<V>(marbles: string, values?: { [marble: string]: V }, error?: unknown): Observable<V>;
}

/**
 * What the kit needs of a marble test context to assert: the rxjs-marbles
 * context (`m.expect(actual).toBeObservable(...)`) or the `RunHelpers` of
 * `TestScheduler.run()` (`expectObservable(actual).toBe(...)`).
 */
export type MarbleExpectContext =
  | {
      expect<V>(actual: Observable<V>, subscription?: string): {
        toBeObservable(expected: string, values?: { [marble: string]: V }, error?: unknown): void;
      };
    }
  | {
      expectObservable<V>(actual: Observable<V>, subscription?: string): {
        toBe(expected: string, values?: { [marble: string]: V }, error?: unknown): void;
      };
    };
