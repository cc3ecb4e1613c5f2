import type { Queryable } from '../lib/db.ts';

/**
 * projector_offsets: the next offset to apply per group and partition, written in the same
 * transaction as the rows it covers. The row is locked for the batch, so a second instance
 * holding the same partition during a rebalance waits, then sees what the first one applied.
 */
export async function lockNextOffset(client: Queryable, group: string, topic: string, partition: number): Promise<bigint | undefined> {
  const { rows } = await client.query<{ next_offset: string }>(
    'SELECT next_offset FROM projector_offsets WHERE group_id = $1 AND topic = $2 AND partition = $3 FOR UPDATE',
    [group, topic, partition],
  );
  return rows[0] ? BigInt(rows[0].next_offset) : undefined;
}

/**
 * Stores the next offset. `existed` says whether lockNextOffset found a row: when it did not, a
 * plain INSERT makes a concurrent first writer fail on the primary key (and its batch be retried)
 * instead of both applying the same records.
 */
export async function saveNextOffset(client: Queryable, group: string, topic: string, partition: number, next: bigint, existed: boolean): Promise<void> {
  if (existed) {
    await client.query('UPDATE projector_offsets SET next_offset = $4, updated_at = now() WHERE group_id = $1 AND topic = $2 AND partition = $3', [
      group,
      topic,
      partition,
      next.toString(),
    ]);
  } else {
    await client.query('INSERT INTO projector_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4)', [
      group,
      topic,
      partition,
      next.toString(),
    ]);
  }
}

/** Every stored partition position of a group on a topic. */
export async function readOffsets(client: Queryable, group: string, topic: string): Promise<Map<number, bigint>> {
  const { rows } = await client.query<{ partition: number; next_offset: string }>(
    'SELECT partition, next_offset FROM projector_offsets WHERE group_id = $1 AND topic = $2',
    [group, topic],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}
