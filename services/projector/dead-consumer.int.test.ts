// Regression: a service whose consumer died stayed alive, answering /health/live 200 while it
// consumed nothing. Here the projector runs as a process and the topic it consumes is deleted
// under it: kafkajs restarts the consumer again and again, each restart failing at its first
// metadata request, and would go on forever. The process must shut down in order and exit
// non-zero within its grace period, so whatever supervises it starts it again.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/helpers/stack-env.ts';
import { createPrivateTarget, createTopic, deleteTopic, projectorTestContext, rand } from './int-support.ts';

const env = stackEnv();
const ctx = projectorTestContext(env);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GRACE_MS = 8_000;
const group = `projector-dead-${rand()}`;
let topic: string;
let target: Awaited<ReturnType<typeof createPrivateTarget>>;
let child: ChildProcess | undefined;

beforeAll(async () => {
  topic = await createTopic(ctx.kafka);
  target = await createPrivateTarget(ctx.pool, false);
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await deleteTopic(ctx.kafka, topic);
  await ctx.pool.query('DELETE FROM projector_offsets WHERE group_id = $1', [group]);
  await target.drop();
  await ctx.close();
});

interface LogLine {
  time: number;
  msg: string;
  healthPort?: number;
  reason?: string;
}

describe('projector whose consumer dies', () => {
  it('shuts down and exits non-zero within its grace period once its topic is deleted', { timeout: 180_000 }, async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'services/projector/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: env.DATABASE_URL,
        KAFKA_BROKERS: env.KAFKA_BROKERS,
        SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL,
        OWNERSHIP_TOPIC: topic,
        OWNERSHIP_GROUP: group,
        OWNERSHIP_TABLE: target.table,
        OWNERSHIP_AUDIT_TABLE: target.audit!,
        PROJECTOR_CONSUMERS: 'ownership',
        HEALTH_PORT: '0',
        LOG_LEVEL: 'info',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const lines: LogLine[] = [];
    let rest = '';
    let onLine: (l: LogLine) => void = () => undefined;
    proc.stdout!.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop()!;
      for (const p of parts) {
        if (!p.startsWith('{')) continue;
        const line = JSON.parse(p) as LogLine;
        lines.push(line);
        onLine(line);
      }
    });
    const exit = new Promise<{ code: number | null; at: number }>((resolve) => proc.once('exit', (code) => resolve({ code, at: Date.now() })));
    const tail = () => lines.filter((l) => !('component' in l)).slice(-30).map((l) => JSON.stringify(l)).join('\n');

    const running = await Promise.race([
      new Promise<LogLine>((resolve) => (onLine = (l) => l.msg === 'projector running' && resolve(l))),
      exit.then(({ code }) => {
        throw new Error(`projector exited (${code}) before it ran:\n${tail()}`);
      }),
    ]);
    const base = `http://127.0.0.1:${running.healthPort}`;
    // Ready once the consumer holds its partitions: only then is there a consumer to kill.
    while (!(await fetch(`${base}/health/ready`)).ok) await sleep(100);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);

    await deleteTopic(ctx.kafka, topic);
    const giveUp = new AbortController();
    const alive = sleep(120_000, undefined, { signal: giveUp.signal }).then(() => {
      throw new Error(`the projector is still running two minutes after its topic was deleted:\n${tail()}`);
    });
    alive.catch(() => undefined);
    const { code, at } = await Promise.race([exit, alive]).finally(() => giveUp.abort());

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
