// dlq_growth on the real stack: poison records go through the outbox and Debezium to
// chain.ops.requested, a submitter (a child process, as npm start runs it) dead-letters them onto
// chain.ops.dlq, and the check counts the topic's growth in its window: reported for review while
// the window holds more than the threshold, resolved once it no longer does.
// The threshold is set from what the shared DLQ already received in the window, so dead letters
// of other tests running at the same time can only add to ours.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../lib/schemas.ts';
import { pipeline } from '../../test/support/pipeline.ts';
import { waitFor } from '../../test/support/wait.ts';
import { testKafka } from '../../test/support/kafka.ts';
import { stackEnv } from '../../test/support/stack-env.ts';
import { checkDlq, DLQ_MINT, dlqGrowth, type DlqCheckDeps } from './dlq.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { discrepancyPublisher } from './publisher.ts';
import { randomHex } from '../../test/support/random.ts';

const env = stackEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
const kafka = testKafka(env.KAFKA_BROKERS);
const admin = kafka.admin();
const producer = kafka.producer();
const services = pipeline({ ...env });
const WINDOW_MS = 30_000;
const POISON = 5;

beforeAll(async () => {
  await Promise.all([admin.connect(), producer.connect()]);
  await services.start('submitter');
}, 120_000);
afterAll(async () => {
  await services.stopAll();
  await Promise.all([admin.disconnect(), producer.disconnect()]);
  await pool.end();
}, 60_000);

/** Outbox rows no submitter can take in: each becomes one dead letter (its event id dedupes it). */
async function poison(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const payload = i % 2 ? { opId: randomUUID(), type: 'teleport' } : { note: `dlq test ${randomHex()}` };
    await pool.query(`INSERT INTO chain_outbox (id, aggregatetype, aggregateid, type, payload) VALUES ($1, 'operation', $2, 'mint', $3)`, [
      randomUUID(),
      `dlq-test-${randomHex()}`,
      JSON.stringify(payload),
    ]);
  }
}

const active = async () =>
  (
    await pool.query<{ id: string; state: string; db_value: string }>(
      `SELECT id, state, db_value FROM discrepancies WHERE mint = $1 AND kind = 'dlq_growth' AND state IN ('open', 'needs_review')`,
      [DLQ_MINT],
    )
  ).rows;

describe('dlq_growth', () => {
  it('is reported for review when dead letters pile up in the window, and resolved once the window holds no more than the threshold', async () => {
    const started = Date.now();
    const before = await dlqGrowth(admin, started - WINDOW_MS);
    const deps: DlqCheckDeps = {
      pool,
      publish: discrepancyPublisher(producer, createRegistry(env.SCHEMA_REGISTRY_URL)),
      policy: DEFAULT_POLICY,
      threshold: before + POISON - 1,
      windowMs: WINDOW_MS,
      count: (since) => dlqGrowth(admin, since),
    };

    await poison(POISON);
    await waitFor('the poison records on chain.ops.dlq', async () => ((await dlqGrowth(admin, started)) >= POISON ? true : undefined), {
      timeoutMs: 90_000,
      everyMs: 500,
    });
    const found = await checkDlq(deps);
    expect(found.count).toBeGreaterThan(deps.threshold);
    expect(found.finding).toMatchObject({ kind: 'dlq_growth', mint: DLQ_MINT });
    const [reported] = await active();
    expect(reported).toMatchObject({ state: 'needs_review' });
    // Recorded by this check (published), or kept if another reconciler on the stack had it already.
    for (const e of found.events) expect(e).toMatchObject({ id: reported!.id, kind: 'dlq_growth', state: 'needs_review', severity: 'high' });

    // No more poison: once ours leave the window, the check finds nothing and resolves it.
    const cleared = await waitFor(
      'the window to hold no more than the threshold',
      async () => {
        const r = await checkDlq(deps);
        return r.finding === undefined ? r : undefined;
      },
      { timeoutMs: 120_000, everyMs: 2_000 },
    );
    expect(cleared.count).toBeLessThanOrEqual(deps.threshold);
    const closed = (await pool.query<{ state: string; resolution: string }>('SELECT state, resolution FROM discrepancies WHERE id = $1', [reported!.id]))
      .rows[0];
    expect(closed).toMatchObject({ state: 'resolved' });
    const history = (
      await pool.query<{ state: string }>('SELECT state FROM discrepancy_history WHERE discrepancy_id = $1 ORDER BY id', [reported!.id])
    ).rows.map((r) => r.state);
    expect(history.at(-1)).toBe('resolved');
    expect(history).toContain('needs_review');
  }, 300_000);
});
