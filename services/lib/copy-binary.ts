/**
 * Rows in COPY's binary format (PostgreSQL docs, "COPY … Binary Format"). The server takes each
 * field as it is stored instead of parsing text: a timestamptz costs no date parsing, a bigint no
 * digit scan, and a row no line splitting. For the projector's rows that is about a tenth less
 * server time per COPY than the text format (measured with 100k ownership rows).
 *
 * Layout: signature, flags (int32 0), header extension length (int32 0); per row the field count
 * (int16) and per field its byte length (int32, -1 for NULL) and bytes; trailer int16 -1.
 */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const POSTGRES_EPOCH_MS = 946_684_800_000; // 2000-01-01T00:00:00Z, where timestamptz counts from
const TWO_32 = 4_294_967_296;

export class BinaryCopyWriter {
  private buf: Buffer;
  private at = 0;

  constructor(expectedBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(Math.max(expectedBytes, 64));
    SIGNATURE.copy(this.buf, 0);
    this.buf.writeInt32BE(0, 11);
    this.buf.writeInt32BE(0, 15);
    this.at = 19;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }

  /** Starts a row of `fields` fields; the caller then writes exactly that many. */
  row(fields: number): this {
    this.room(2);
    this.buf.writeInt16BE(fields, this.at);
    this.at += 2;
    return this;
  }

  /** A text (or varchar) field, UTF-8; null is SQL NULL. */
  text(value: string | null): this {
    if (value === null) return this.nil();
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.room(4 + value.length * 3);
    const start = this.at + 4;
    // Addresses and names are short ASCII: copying the code units is several times cheaper than
    // a Buffer.write call per field. Anything else goes through the UTF-8 encoder.
    let i = 0;
    if (value.length <= 128)
      for (; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        this.buf[start + i] = c;
      }
    const written = i === value.length ? i : this.buf.write(value, start, 'utf8');
    this.buf.writeInt32BE(written, this.at);
    this.at = start + written;
    return this;
  }

  /** A bigint field from a safe integer. */
  int8(value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer for a bigint field: ${value}`);
    this.room(12);
    this.buf.writeInt32BE(8, this.at);
    const high = Math.floor(value / TWO_32);
    this.buf.writeInt32BE(high, this.at + 4);
    this.buf.writeUInt32BE(value - high * TWO_32, this.at + 8);
    this.at += 12;
    return this;
  }

  /**
   * A timestamptz field from epoch milliseconds (whole milliseconds, as Date keeps them). The
   * server counts microseconds, which a double holds exactly for about ±285 years around 2000.
   */
  timestamptz(ms: number): this {
    const micros = (ms - POSTGRES_EPOCH_MS) * 1000;
    if (!Number.isInteger(ms) || !Number.isSafeInteger(micros)) throw new RangeError(`not a time in milliseconds this writer can encode: ${ms}`);
    return this.int8(micros);
  }

  nil(): this {
    this.room(4);
    this.buf.writeInt32BE(-1, this.at);
    this.at += 4;
    return this;
  }

  /** The whole COPY payload, trailer included; the writer is spent afterwards. */
  finish(): Buffer {
    this.room(2);
    this.buf.writeInt16BE(-1, this.at);
    this.at += 2;
    return this.buf.subarray(0, this.at);
  }
}
