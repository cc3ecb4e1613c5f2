import { commonSpec, int, list, str, type Spec } from '../lib/config.ts';
import { TOPICS } from '../lib/topics.ts';

/** A table name: a plain SQL identifier, checked at start rather than at the first batch. */
const table = (description: string, fallback: string) => ({
  ...str(description, fallback),
  parse: (raw: string) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(raw)) throw new Error('expected a plain lower-case SQL identifier');
    return raw;
  },
});

/** Topics and groups are settings so tests and benchmarks can run the real code on private ones. */
export const projectorSpec = {
  ...commonSpec,
  OWNERSHIP_TOPIC: str('topic of OwnershipChange records (chain-ingest)', TOPICS.ownership),
  OWNERSHIP_GROUP: str('consumer group of the ownership projection', 'chainsync-projector'),
  OWNERSHIP_TABLE: table('table of the ownership projection (tests and benchmarks use private ones)', 'ownership'),
  OWNERSHIP_AUDIT_TABLE: table('table of the owner-change audit trail', 'ownership_audit'),
  STATUS_TOPIC: str('topic of OperationStatus records (submitter)', TOPICS.opsStatus),
  STATUS_GROUP: str('consumer group of the operation status projection', 'chainsync-projector-status'),
  PROJECTOR_CONSUMERS: {
    ...list('which consumers to run: ownership, status', ['ownership', 'status']),
    parse: (raw: string) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = items.filter((s) => s !== 'ownership' && s !== 'status');
      if (items.length === 0 || bad.length) throw new Error(`expected a list of ownership, status; got ${raw}`);
      return items;
    },
  },
  PROJECTOR_CONCURRENCY: int('partitions applied in parallel per consumer, each in its own transaction', 3, 1, 64),
  REBUILD_TABLE: table('scratch table `rebuild` replays into before the swap', 'ownership_rebuild'),
  REBUILD_ALIGN_TIMEOUT_MS: int('how long `rebuild` waits for the live projector to reach its position before the swap', 60_000, 0, 3_600_000),
} satisfies Spec;
