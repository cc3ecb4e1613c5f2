import { InvalidInputError } from '../lib/errors.ts';
import type { OperationStatus } from './op-status.ts';
import type { OwnershipChange } from './ownership-reducer.ts';

const isSlot = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function asOwnershipChange(v: unknown, context: Record<string, unknown>): OwnershipChange {
  const c = v as Partial<OwnershipChange>;
  if (typeof c?.mint !== 'string' || c.mint === '') throw new InvalidInputError('ownership change without a mint', context);
  if (!isSlot(c.slot)) throw new InvalidInputError(`ownership change with an invalid slot ${String(c.slot)}`, { ...context, mint: c.mint });
  if (c.commitment !== 'confirmed' && c.commitment !== 'finalized')
    throw new InvalidInputError(`unknown commitment ${String(c.commitment)}`, { ...context, mint: c.mint });
  // Postgres text cannot hold NUL: such a record could never be written, so it is poison, not a retry.
  if ([c.mint, c.owner, c.tokenAccount].some((t) => typeof t === 'string' && t.includes('\0')))
    throw new InvalidInputError('ownership change with a NUL character', { ...context, mint: c.mint });
  return c as OwnershipChange;
}

export function asOperationStatus(v: unknown, context: Record<string, unknown>): OperationStatus {
  const s = v as Partial<OperationStatus>;
  if (typeof s?.opId !== 'string' || !UUID.test(s.opId)) throw new InvalidInputError(`status with an op id that is not a uuid: ${String(s?.opId)}`, context);
  if (typeof s.attempt !== 'number' || !Number.isSafeInteger(s.attempt) || s.attempt < 0)
    throw new InvalidInputError('status with an invalid attempt', { ...context, opId: s.opId });
  if (s.slot != null && !isSlot(s.slot)) throw new InvalidInputError('status with an invalid slot', { ...context, opId: s.opId });
  return s as OperationStatus;
}
