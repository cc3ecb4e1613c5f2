// Committed offsets of every consumer group and the high watermarks of the topics they read.
// Downstream teams' groups are included: their lag is theirs to watch, on the same dashboard.
import type { Admin } from 'kafkajs';

export interface PartitionOffsets {
  group: string;
  topic: string;
  partition: number;
  /** The next offset the group will read; -1 when it committed none for this partition. */
  committed: number;
}

export interface Watermark {
  topic: string;
  partition: number;
  high: number;
  low: number;
}

export async function readGroupOffsets(admin: Admin): Promise<PartitionOffsets[]> {
  const { groups } = await admin.listGroups();
  const consumerGroups = groups.filter((g) => g.protocolType === 'consumer' || g.protocolType === '').map((g) => g.groupId);
  const out: PartitionOffsets[] = [];
  for (const group of consumerGroups) {
    for (const t of await admin.fetchOffsets({ groupId: group })) {
      for (const p of t.partitions) out.push({ group, topic: t.topic, partition: p.partition, committed: Number(p.offset) });
    }
  }
  return out;
}

export async function readWatermarks(admin: Admin, topics: readonly string[]): Promise<Watermark[]> {
  const out: Watermark[] = [];
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) out.push({ topic, partition: p.partition, high: Number(p.high), low: Number(p.low) });
  }
  return out;
}
