// The answer of getSignatureStatuses, checked by hand. web3.js checks it with superstruct, whose
// union of confirmation levels builds (and throws away) an Error with a stack trace for every
// level a status is not: about a millisecond of the submitter's CPU per poll of 80 in-flight
// signatures, 4 polls a second, which at 100 operations a second was its largest JS cost.

export type ConfirmationLevel = 'processed' | 'confirmed' | 'finalized';

export interface SignatureStatus {
  slot: number;
  /** The transaction error as the node reports it (null: the transaction succeeded). */
  err: unknown;
  confirmationStatus: ConfirmationLevel | null;
}

const LEVELS: ReadonlySet<unknown> = new Set(['processed', 'confirmed', 'finalized']);

/** A JSON-RPC answer that is not the shape the method promises. */
export class MalformedRpcResult extends Error {
  constructor(method: string, why: string) {
    super(`${method} returned a malformed result: ${why}`);
    this.name = 'MalformedRpcResult';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The `result` of getSignatureStatuses for `count` signatures: `{ context, value: [status | null] }`,
 * one entry per signature in the order asked. Throws MalformedRpcResult for anything else, with
 * the first thing wrong.
 */
export function parseSignatureStatuses(result: unknown, count: number): Array<SignatureStatus | null> {
  const bad = (why: string) => new MalformedRpcResult('getSignatureStatuses', why);
  if (!isObject(result) || !isObject(result.context) || typeof result.context.slot !== 'number') throw bad('no context slot');
  const value = result.value;
  if (!Array.isArray(value)) throw bad('value is not an array');
  if (value.length !== count) throw bad(`${value.length} statuses for ${count} signatures`);
  return value.map((s: unknown, i) => {
    if (s === null) return null;
    if (!isObject(s)) throw bad(`status ${i} is not an object`);
    if (typeof s.slot !== 'number' || !Number.isSafeInteger(s.slot) || s.slot < 0) throw bad(`status ${i} has no slot`);
    if (s.confirmations !== undefined && s.confirmations !== null && typeof s.confirmations !== 'number')
      throw bad(`status ${i} confirmations is not a number`);
    const err = s.err === undefined ? null : s.err;
    if (err !== null && typeof err !== 'string' && !isObject(err)) throw bad(`status ${i} err is neither null, a string nor an object`);
    const level = s.confirmationStatus;
    if (level !== undefined && level !== null && !LEVELS.has(level))
      throw bad(`status ${i} confirmationStatus ${JSON.stringify(level)} is not a commitment level`);
    return { slot: s.slot, err, confirmationStatus: (level ?? null) as ConfirmationLevel | null };
  });
}
