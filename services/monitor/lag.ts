// How far behind a consumer group is, in time. Kafka tells offsets only; the monitor samples each
// partition's high watermark over time, so a committed offset can be turned into "the oldest
// record this group has not consumed appeared at or before t". Under steady load a group is
// almost never exactly at the watermark when sampled, so "time since last caught up" would grow
// forever; the age of the oldest unconsumed record does not.

/** One observation of a partition's high watermark (the offset the next record will get). */
export interface WatermarkSample {
  atMs: number;
  high: number;
}

/**
 * Seconds since the first sample whose watermark passed `committed` (a record at offset
 * `committed` existed by then and is still not consumed); 0 when the group has everything.
 * When even the oldest sample kept is past `committed`, the answer is that sample's age: a lower
 * bound, since the record is older than the samples kept.
 */
export function lagSeconds(samples: readonly WatermarkSample[], committed: number, nowMs: number): number {
  const latest = samples[samples.length - 1];
  if (!latest || committed >= latest.high) return 0;
  const first = samples.find((s) => s.high > committed) ?? latest;
  return Math.max(0, (nowMs - first.atMs) / 1000);
}

/**
 * The samples worth keeping after a new one: those no older than `keepMs`, plus the newest one
 * before them (it may still date an unconsumed record). Samples are in time order.
 */
export function addSample(samples: readonly WatermarkSample[], sample: WatermarkSample, keepMs: number): WatermarkSample[] {
  const next = [...samples, sample];
  const cutoff = sample.atMs - keepMs;
  let drop = 0;
  while (drop + 1 < next.length && next[drop + 1]!.atMs <= cutoff) drop++;
  // Consecutive samples with the same watermark date nothing new: keep the first of each run.
  return next.slice(drop).filter((s, i, all) => i === 0 || s.high !== all[i - 1]!.high);
}
