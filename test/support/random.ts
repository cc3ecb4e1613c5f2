import { randomBytes } from 'node:crypto';

/** Random hex, for names and keys that must not collide between tests or runs. */
export const randomHex = (bytes = 6): string => randomBytes(bytes).toString('hex');

/** A fresh name for a test's own topic, group, table or key: `<prefix>-<random hex>`. */
export const randomName = (prefix = 'test', bytes = 6): string => `${prefix}-${randomHex(bytes)}`;
