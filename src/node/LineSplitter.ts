import { Buffer } from 'node:buffer';

/**
 * @internal
 * Splits UTF-8 bytes into lines, chunk by chunk. Lines end at `\n` (a `\r`
 * before it is dropped, so `\r\n` works); bytes are decoded only once a line is
 * complete, so a multibyte character split across chunks is decoded whole (the
 * byte 0x0A never occurs inside a UTF-8 sequence). Records for every line the
 * absolute byte offset just after it.
 *
 * Only the unfinished last line is kept between chunks (copied, so the caller
 * may reuse its read buffer).
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private position: number;
  private stripBom: boolean;

  /** @param startOffset the absolute byte offset of the first byte pushed; a BOM is stripped only at 0. */
  constructor(startOffset: number) {
    this.position = startOffset;
    this.stripBom = startOffset === 0;
  }

  /** Bytes held for the unfinished last line. */
  get pendingBytes(): number {
    return this.carryBytes;
  }

  /** Splits `chunk[0, length)`; appends complete lines to `lines` and their end offsets to `ends`. */
  push(chunk: Buffer, length: number, lines: string[], ends: number[]): void {
    const view = length === chunk.length ? chunk : chunk.subarray(0, length);
    let start = 0;
    let nl: number;
    while ((nl = view.indexOf(0x0a, start)) !== -1) {
      if (this.carryBytes === 0) {
        const end = nl > start && view[nl - 1] === 0x0d ? nl - 1 : nl;
        lines.push(this.decode(view, start, end));
      } else {
        this.carry.push(view.subarray(start, nl));
        lines.push(this.takeCarry());
      }
      ends.push(this.position + nl + 1);
      start = nl + 1;
    }
    if (start < length) {
      this.carry.push(Buffer.from(view.subarray(start, length)));
      this.carryBytes += length - start;
    }
    this.position += length;
  }

  /** At end of input: appends the last line if it had no newline. */
  finish(lines: string[], ends: number[]): void {
    if (this.carryBytes === 0) return;
    lines.push(this.takeCarry());
    ends.push(this.position);
  }

  private takeCarry(): string {
    const joined = this.carry.length === 1 ? this.carry[0] : Buffer.concat(this.carry);
    this.carry = [];
    this.carryBytes = 0;
    const n = joined.length;
    return this.decode(joined, 0, n > 0 && joined[n - 1] === 0x0d ? n - 1 : n);
  }

  private decode(bytes: Buffer, start: number, end: number): string {
    const text = bytes.toString('utf8', start, end);
    if (!this.stripBom) return text;
    this.stripBom = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}
