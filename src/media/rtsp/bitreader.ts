// Bit-level reading of H.264 / H.265 parameter sets: removal of emulation prevention bytes and an MSB-first reader
// with the exp-Golomb codes of H.264 §9.1 / H.265 §9.2. Every read is bounds-checked, so a short or corrupt NAL unit
// becomes a ParamSetError with a code, never a RangeError. Pure: no I/O, no app imports.

export type ParamSetErrorCode =
  | 'truncated' // the NAL unit ended inside a syntax element
  | 'bad_nal' // empty or short NAL unit, wrong nal_unit_type, or a value the syntax does not allow
  | 'unsupported'; // valid, but not something an MP4 decoder configuration record can carry

// Declared here rather than in param-sets.ts (which re-exports it) so that the two modules do not import each other.
export class ParamSetError extends Error {
  constructor(
    readonly code: ParamSetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ParamSetError';
  }
}

const EMULATION_PREVENTION = Buffer.from([0, 0, 3]);

/**
 * The RBSP of a NAL unit: every emulation_prevention_three_byte (a 0x03 following 0x00 0x00, H.264 §7.4.1 /
 * H.265 §7.4.2) removed. Returns `nal` itself (no copy) when it contains none, which is the usual case.
 */
export function unescapeRbsp(nal: Buffer): Buffer {
  if (nal.indexOf(EMULATION_PREVENTION) < 0) return nal;
  const out = Buffer.allocUnsafe(nal.length);
  let n = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}

/** Reads an RBSP most significant bit first (H.264 §7.2, H.265 §7.2). */
export class BitReader {
  private pos = 0;

  constructor(private readonly data: Buffer) {}

  bitsLeft(): number {
    return this.data.length * 8 - this.pos;
  }

  /** `n` bits (0 to 32) as an unsigned number: u(n) in the syntax tables. */
  readBits(n: number): number {
    if (!Number.isInteger(n) || n < 0 || n > 32) throw new RangeError(`readBits(${n}): 0 to 32 bits`);
    this.need(n);
    let value = 0;
    for (let i = 0; i < n; i++) {
      const bit = ((this.data[this.pos >>> 3] ?? 0) >>> (7 - (this.pos & 7))) & 1;
      // Multiplication, not `<< 1`: a 32-bit value must not turn negative.
      value = value * 2 + bit;
      this.pos++;
    }
    return value;
  }

  readBit(): number {
    return this.readBits(1);
  }

  /** ue(v), H.264 §9.1: leadingZeroBits zeros, a one, then leadingZeroBits bits; 2^lz − 1 + those bits. */
  readUe(): number {
    let leadingZeros = 0;
    while (this.readBit() === 0) {
      // Syntax elements coded ue(v) are at most 2^32 − 2 (H.264 §7.4, H.265 §7.4), i.e. at most 31 leading zeros.
      if (++leadingZeros > 31) throw new ParamSetError('bad_nal', 'exp-Golomb code longer than 32 bits');
    }
    return 2 ** leadingZeros - 1 + this.readBits(leadingZeros);
  }

  /** se(v), H.264 §9.1.1: ue(v) k mapped to (−1)^(k+1) · Ceil(k ÷ 2). */
  readSe(): number {
    const k = this.readUe();
    return k % 2 === 1 ? (k + 1) / 2 : 0 - k / 2; // `0 -`, not `-`: k = 0 gives 0, not -0
  }

  skipBits(n: number): void {
    this.need(n);
    this.pos += n;
  }

  private need(n: number): void {
    if (n > this.bitsLeft()) {
      throw new ParamSetError('truncated', `needs ${n} more bits at bit ${this.pos}, has ${this.bitsLeft()}`);
    }
  }
}
