// Consumer lag per group and partition, in records and in time, from one reading of committed
// offsets and watermarks plus the watermark history (lag.ts).
import type { PartitionOffsets, Watermark } from './kafka-reads.ts';
import { lagSeconds, type WatermarkSample } from './lag.ts';

export interface GroupLag {
  group: string;
  topic: string;
  partition: number;
  records: number;
  seconds: number;
}

export const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

export function groupLags(
  offsets: readonly PartitionOffsets[],
  watermarks: readonly Watermark[],
  history: ReadonlyMap<string, readonly WatermarkSample[]>,
  nowMs: number,
): GroupLag[] {
  const marks = new Map(watermarks.map((w) => [partitionKey(w.topic, w.partition), w]));
  const out: GroupLag[] = [];
  for (const o of offsets) {
    const key = partitionKey(o.topic, o.partition);
    const mark = marks.get(key);
    if (!mark) continue;
    // No commit yet: everything still in the topic is unread. Records compacted or deleted
    // below the low watermark can no longer be read, so they are not lag either.
    const from = Math.max(o.committed < 0 ? mark.low : o.committed, mark.low);
    out.push({
      group: o.group,
      topic: o.topic,
      partition: o.partition,
      records: Math.max(0, mark.high - from),
      seconds: lagSeconds(history.get(key) ?? [], from, nowMs),
    });
  }
  return out;
}

/** The largest lag in time among the given groups; 0 when none of them has committed anything. */
export function syncLagSeconds(lags: readonly GroupLag[], groups: readonly string[]): number {
  return lags.filter((l) => groups.includes(l.group)).reduce((m, l) => Math.max(m, l.seconds), 0);
}
