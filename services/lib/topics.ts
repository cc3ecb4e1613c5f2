import type { Admin, ITopicConfig } from 'kafkajs';

/** The topics of docs/architecture.md. All keyed by mint address and co-partitioned: same partition count. */
export const TOPICS = {
  opsRequested: 'chain.ops.requested',
  opsStatus: 'chain.ops.status',
  opsDlq: 'chain.ops.dlq',
  ownership: 'chain.ownership',
  discrepancies: 'sync.discrepancies',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export const PARTITIONS = 6;

export function topicConfigs(partitions = PARTITIONS): ITopicConfig[] {
  const plain = (topic: string): ITopicConfig => ({ topic, numPartitions: partitions, replicationFactor: 1 });
  return [
    plain(TOPICS.opsRequested),
    plain(TOPICS.opsStatus),
    plain(TOPICS.opsDlq),
    {
      ...plain(TOPICS.ownership),
      // Compacted: the latest record per mint is the ownership state; replays rebuild from it.
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'min.compaction.lag.ms', value: '60000' },
        { name: 'segment.ms', value: '3600000' },
      ],
    },
    plain(TOPICS.discrepancies),
  ];
}

/**
 * Creates the missing topics. An existing topic with another partition count breaks
 * co-partitioning (the reconciler's join), so that is an error, not a warning.
 */
export async function ensureTopics(admin: Admin, partitions = PARTITIONS): Promise<string[]> {
  const wanted = topicConfigs(partitions);
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !existing.has(t.topic));
  if (missing.length) await admin.createTopics({ topics: missing, waitForLeaders: true });
  const present = wanted.filter((t) => existing.has(t.topic)).map((t) => t.topic);
  if (present.length) {
    const meta = await admin.fetchTopicMetadata({ topics: present });
    for (const t of meta.topics) {
      if (t.partitions.length !== partitions) {
        throw new Error(`topic ${t.name} has ${t.partitions.length} partitions, expected ${partitions}: the topics must be co-partitioned by mint`);
      }
    }
  }
  return missing.map((t) => t.topic);
}
