// Regression: a service whose consumer died stayed alive, answering /health/live 200 while it
// consumed nothing. Here the projector runs as a process and the topic it consumes is deleted
// under it: kafkajs restarts the consumer again and again, each restart failing at its first
// metadata request, and would go on forever. The process must shut down in order and exit
// non-zero within its grace period, so whatever supervises it starts it again.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/support/stack-env.ts';
import { createPrivateTarget, createTopic, deleteTopic, projectorTestContext, ownershipProjectorEnv } from '../../test/support/projector.ts';
import { randomHex } from '../../test/support/random.ts';
import { spawnService, type ServiceProcess } from '../../test/support/spawn-service.ts';

const env = stackEnv();
const ctx = projectorTestContext(env);
const GRACE_MS = 8_000;
const group = `projector-dead-${randomHex()}`;
let topic: string;
let target: Awaited<ReturnType<typeof createPrivateTarget>>;
let projector: ServiceProcess | undefined;

beforeAll(async () => {
  topic = await createTopic(ctx.kafka);
  target = await createPrivateTarget(ctx.pool, false);
});

afterAll(async () => {
  await projector?.stop('SIGKILL');
  await deleteTopic(ctx.kafka, topic);
  await ctx.pool.query('DELETE FROM projector_offsets WHERE group_id = $1', [group]);
  await target.drop();
  await ctx.close();
});

interface LogLine {
  time: number;
  msg: string;
  reason?: string;
}

const logLines = (p: ServiceProcess): LogLine[] =>
  p
    .logs()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

describe('projector whose consumer dies', () => {
  it('shuts down and exits non-zero within its grace period once its topic is deleted', { timeout: 180_000 }, async () => {
    // Ready once the consumer holds its partitions: only then is there a consumer to kill.
    const p = (projector = await spawnService('projector', { ...ownershipProjectorEnv(env, { topic, group, target }), SHUTDOWN_GRACE_MS: String(GRACE_MS) }));
    const tail = () =>
      logLines(p)
        .filter((l) => !('component' in l))
        .slice(-30)
        .map((l) => JSON.stringify(l))
        .join('\n');
    expect((await fetch(`http://127.0.0.1:${p.healthPort}/health/live`)).status).toBe(200);
    const exit = p.exited.then((code) => ({ code, at: Date.now() }));

    await deleteTopic(ctx.kafka, topic);
    const giveUp = new AbortController();
    const alive = sleep(120_000, undefined, { signal: giveUp.signal }).then(() => {
      throw new Error(`the projector is still running two minutes after its topic was deleted:\n${tail()}`);
    });
    alive.catch(() => undefined);
    const { code, at } = await Promise.race([exit, alive]).finally(() => giveUp.abort());

    const lines = logLines(p);
    expect(code, tail()).toBe(1);
    const dead = lines.find((l) => l.msg === 'consumer is dead');
    const fatal = lines.find((l) => l.msg === 'fatal error: shutting down');
    expect(dead, tail()).toBeDefined();
    expect(fatal, tail()).toBeDefined();
    expect(lines.find((l) => l.msg === 'shutting down')?.reason).toBe('fatal error');
    // The whole shutdown, from the fatal error to the exit, within the one grace period.
    expect(at - fatal!.time).toBeLessThanOrEqual(GRACE_MS);
  });
});
