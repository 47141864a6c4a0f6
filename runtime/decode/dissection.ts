/**
 * The state of decoding one frame: the bytes, the layers found so far, the issues. Protocol decoders
 * add a layer, read fields through it (every read bounds-checked against the layer's end), and say
 * what comes next. Nothing here throws on bad input: a short or wrong field becomes an issue.
 */
import { ISSUES, type IssueCode } from "./issues.ts";
import type { DecodeIssue, Field, Layer, Verdict } from "./types.ts";

export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function hexNumber(n: number, bytes: number): string {
  return `0x${n.toString(16).padStart(bytes * 2, "0")}`;
}

export interface FieldOptions {
  meaning?: string;
  verdict?: Verdict;
  expected?: number | string;
  mask?: number;
  raw?: string;
  /** Show this instead of the number read (checksums read better in hex). */
  value?: Field["value"];
}

export class Dissection {
  readonly layers: Layer[] = [];
  readonly issues: DecodeIssue[] = [];

  constructor(readonly frame: Uint8Array) {}

  issue(code: IssueCode, protocol: string, offset: number, message: string): void {
    this.issues.push({ code, severity: ISSUES[code].severity, offset, protocol, message });
  }

  u8(off: number): number {
    return this.frame[off]!;
  }
  u16(off: number): number {
    return (this.frame[off]! << 8) | this.frame[off + 1]!;
  }
  u32(off: number): number {
    return (
      ((this.frame[off]! << 24) | (this.frame[off + 1]! << 16) | (this.frame[off + 2]! << 8) | this.frame[off + 3]!) >>>
      0
    );
  }
  bytes(off: number, len: number): Uint8Array {
    return this.frame.subarray(off, off + len);
  }
}

/** A layer under construction: fields are appended at absolute offsets. */
export class LayerBuilder {
  readonly layer: Layer;

  constructor(
    readonly d: Dissection,
    protocol: string,
    offset: number,
    depth: number,
  ) {
    this.layer = { protocol, offset, length: 0, depth, fields: [], summary: "" };
    d.layers.push(this.layer);
  }

  get protocol(): string {
    return this.layer.protocol;
  }

  issue(code: IssueCode, offset: number, message: string): void {
    this.d.issue(code, this.layer.protocol, offset, message);
  }

  add(name: string, offset: number, length: number, value: Field["value"], options: FieldOptions = {}): Field {
    const field: Field = {
      name,
      offset,
      length,
      ...(options.mask !== undefined ? { mask: options.mask } : {}),
      raw: options.raw ?? hexBytes(this.d.bytes(offset, length)),
      value,
      ...(options.meaning !== undefined ? { meaning: options.meaning } : {}),
      ...(options.verdict !== undefined ? { verdict: options.verdict } : {}),
      ...(options.expected !== undefined ? { expected: options.expected } : {}),
    };
    this.layer.fields.push(field);
    this.layer.length = Math.max(this.layer.length, offset + length - this.layer.offset);
    return field;
  }

  u8(name: string, off: number, options: FieldOptions = {}): number {
    const v = this.d.u8(off);
    this.add(name, off, 1, options.value ?? v, { raw: hexNumber(v, 1), ...options });
    return v;
  }
  u16(name: string, off: number, options: FieldOptions = {}): number {
    const v = this.d.u16(off);
    this.add(name, off, 2, options.value ?? v, { raw: hexNumber(v, 2), ...options });
    return v;
  }
  u32(name: string, off: number, options: FieldOptions = {}): number {
    const v = this.d.u32(off);
    this.add(name, off, 4, options.value ?? v, { raw: hexNumber(v, 4), ...options });
    return v;
  }
  /** Bits of a big-endian field of `bytes` bytes: `mask` selects them; the value is shifted down. */
  bits(name: string, off: number, bytes: 1 | 2 | 4, mask: number, options: FieldOptions = {}): number {
    const word = bytes === 1 ? this.d.u8(off) : bytes === 2 ? this.d.u16(off) : this.d.u32(off);
    let shift = 0;
    while (shift < 32 && ((mask >>> shift) & 1) === 0) shift++;
    const v = ((word & mask) >>> 0) >>> shift;
    this.add(name, off, bytes, v, { mask, raw: `0x${v.toString(16)}`, ...options });
    return v;
  }
  flag(name: string, off: number, bytes: 1 | 2, mask: number, meaning: string): boolean {
    const word = bytes === 1 ? this.d.u8(off) : this.d.u16(off);
    const set = (word & mask) !== 0;
    this.add(name, off, bytes, set, { mask, raw: set ? "1" : "0", meaning });
    return set;
  }
}
