import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, int, lifecycleSpec } from './config.ts';
import { silentLogger } from './logger.ts';
import { REPEATED_SIGNAL_WINDOW_MS } from './repeated-signal.ts';
import {
  EXIT,
  fromSpec,
  runService,
  type ConfigSource,
  type LifecycleSettings,
  type ProcessPort,
  type ServiceContext,
  type ServiceDefinition,
} from './service-lifecycle.ts';

type Listener = (arg: never) => void;

/** A `process` that records exits instead of ending, and lets a test send signals and errors. */
function fakeProcess(env: Record<string, string> = {}) {
  const listeners = new Map<string, Listener>();
  const exits: number[] = [];
  let exited: (code: number) => void = () => undefined;
  const firstExit = new Promise<number>((r) => (exited = r));
  const proc: ProcessPort = {
    env: { LOG_LEVEL: 'silent', ...env },
    pid: 4242,
    on: (event: string, fn: Listener) => listeners.set(event, fn),
    exit: ((code: number) => {
      exits.push(code);
      exited(code);
    }) as ProcessPort['exit'],
    cpuUsage: () => ({ user: 0, system: 0 }),
  };
  const emit = (event: string, arg: unknown) => (listeners.get(event) as (a: unknown) => void)(arg);
  return { proc, exits, firstExit, signal: (s: NodeJS.Signals) => emit(s, s), emit };
}

const spec = lifecycleSpec;
const withHealth = { ...lifecycleSpec, HEALTH_PORT: int('health port', 0, 0, 65535) };

function service(
  s: typeof spec | typeof withHealth,
  start: ServiceDefinition<LifecycleSettings>['start'] = async () => [],
): ServiceDefinition<LifecycleSettings> {
  return { name: 'test-service', config: fromSpec(s) as ConfigSource<LifecycleSettings>, start };
}

/** A step that holds the shutdown until released. */
function gate() {
  let open: () => void = () => undefined;
  const done = new Promise<void>((r) => (open = r));
  return { wait: () => done, open };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('runService', () => {
  it('exits 2 with a bad configuration, before starting anything', async () => {
    const p = fakeProcess({ SHUTDOWN_GRACE_MS: 'soon' });
    const start = vi.fn(async () => []);
    await runService(p.proc, service(spec, start), silentLogger());
    expect(p.exits).toEqual([EXIT.config]);
    expect(start).not.toHaveBeenCalled();
  });

  it('exits 0 after a clean shutdown on SIGTERM, having run every step in reverse order', async () => {
    const p = fakeProcess();
    const order: string[] = [];
    await runService(
      p.proc,
      service(spec, async (ctx) => {
        ctx.shutdown.onShutdown('first opened', () => void order.push('first opened'));
        ctx.shutdown.onShutdown('last opened', () => void order.push('last opened'));
      }),
      silentLogger(),
    );
    p.signal('SIGTERM');
    expect(await p.firstExit).toBe(EXIT.clean);
    expect(order).toEqual(['last opened', 'first opened']);
  });

  it.each([
    ['a fatal error reported by the service', (ctx: ServiceContext<unknown>) => ctx.fatal(new Error('consumer is dead'))],
    ['an unhandled rejection', (_: ServiceContext<unknown>, p: ReturnType<typeof fakeProcess>) => p.emit('unhandledRejection', new Error('nobody caught me'))],
    ['an uncaught exception', (_: ServiceContext<unknown>, p: ReturnType<typeof fakeProcess>) => p.emit('uncaughtException', new TypeError('x is undefined'))],
  ])('shuts down in order and exits 1 after %s', async (_, fail) => {
    const p = fakeProcess();
    let ctx: ServiceContext<unknown> | undefined;
    let closed = false;
    await runService(
      p.proc,
      service(spec, async (c) => {
        ctx = c;
        c.shutdown.onShutdown('consumer', () => void (closed = true));
      }),
      silentLogger(),
    );
    fail(ctx!, p);
    expect(await p.firstExit).toBe(EXIT.failed);
    expect(closed).toBe(true);
    expect(ctx!.shutdown.signal.aborted).toBe(true);
  });

  it('exits 1 when the service fails to start, after closing what it had opened', async () => {
    const p = fakeProcess();
    let closed = false;
    await runService(
      p.proc,
      service(spec, async (ctx) => {
        ctx.shutdown.onShutdown('pool', () => void (closed = true));
        throw new Error('kafka unreachable');
      }),
      silentLogger(),
    );
    expect(await p.firstExit).toBe(EXIT.failed);
    expect(closed).toBe(true);
  });

  it('exits 1 after a signal if a fatal error came during the shutdown', async () => {
    const p = fakeProcess();
    const step = gate();
    let ctx: ServiceContext<unknown> | undefined;
    await runService(
      p.proc,
      service(spec, async (c) => {
        ctx = c;
        c.shutdown.onShutdown('slow', step.wait);
      }),
      silentLogger(),
    );
    p.signal('SIGTERM');
    ctx!.fatal(new Error('consumer is dead'));
    step.open();
    expect(await p.firstExit).toBe(EXIT.failed);
  });

  it('exits 130 at once on a second signal while the first shutdown is still running', async () => {
    vi.useFakeTimers();
    const p = fakeProcess();
    const step = gate();
    await runService(
      p.proc,
      service(spec, async (ctx) => ctx.shutdown.onShutdown('slow', step.wait)),
      silentLogger(),
    );
    p.signal('SIGINT');
    expect(p.exits).toEqual([]);
    vi.advanceTimersByTime(REPEATED_SIGNAL_WINDOW_MS);
    p.signal('SIGTERM');
    expect(p.exits).toEqual([EXIT.forced]);
    step.open();
  });

  it('takes the same Ctrl-C delivered twice at once (terminal and npm relay) as one graceful stop', async () => {
    vi.useFakeTimers();
    const p = fakeProcess();
    const step = gate();
    await runService(
      p.proc,
      service(spec, async (ctx) => ctx.shutdown.onShutdown('slow', step.wait)),
      silentLogger(),
    );
    p.signal('SIGINT');
    vi.advanceTimersByTime(REPEATED_SIGNAL_WINDOW_MS - 1);
    p.signal('SIGINT');
    expect(p.exits).toEqual([]);
    step.open();
    expect(await p.firstExit).toBe(EXIT.clean);
  });

  it('exits 1 when the grace period is over, not before, and skips the steps left', async () => {
    vi.useFakeTimers();
    const p = fakeProcess({ SHUTDOWN_GRACE_MS: '1000' });
    let laterStepRan = false;
    await runService(
      p.proc,
      service(spec, async (ctx) => {
        ctx.shutdown.onShutdown('runs after the hung one', () => void (laterStepRan = true));
        ctx.shutdown.onShutdown('hangs', () => new Promise(() => undefined));
      }),
      silentLogger(),
    );
    p.signal('SIGTERM');
    await vi.advanceTimersByTimeAsync(999);
    expect(p.exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.exits).toEqual([EXIT.failed]);
    expect(laterStepRan).toBe(false);
  });

  it('bounds the whole shutdown by one grace period, not each step', async () => {
    vi.useFakeTimers();
    const p = fakeProcess({ SHUTDOWN_GRACE_MS: '1000' });
    await runService(
      p.proc,
      service(spec, async (ctx) => {
        for (const name of ['a', 'b', 'c']) ctx.shutdown.onShutdown(name, () => new Promise((r) => setTimeout(r, 400)));
      }),
      silentLogger(),
    );
    p.signal('SIGTERM');
    await vi.advanceTimersByTimeAsync(999);
    expect(p.exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.exits).toEqual([EXIT.failed]);
  });

  it('exits 2 when the service finds its configuration invalid while starting', async () => {
    const p = fakeProcess();
    await runService(
      p.proc,
      service(spec, async () => {
        throw new ConfigError(['LOCALNET_PORT=x: expected an integer']);
      }),
      silentLogger(),
    );
    expect(await p.firstExit).toBe(EXIT.config);
  });

  it('exits 1, having stopped the service, when its health port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const p = fakeProcess({ HEALTH_PORT: String((taken.address() as AddressInfo).port) });
    let stopped = false;
    await runService(
      p.proc,
      service(withHealth, async (ctx) => ctx.shutdown.onShutdown('consumer', () => void (stopped = true))),
      silentLogger(),
    );
    expect(await p.firstExit).toBe(EXIT.failed);
    expect(stopped).toBe(true);
    taken.close();
  });

  it('answers /health/live 503 with the reason once a fatal error happened, and serves readiness', async () => {
    const p = fakeProcess({ HEALTH_PORT: '0' });
    const step = gate();
    let ctx: ServiceContext<unknown> | undefined;
    const running = await runService(
      p.proc,
      service(withHealth, async (c) => {
        ctx = c;
        c.shutdown.onShutdown('consumer', step.wait);
        return [{ name: 'consumer', check: async () => true }];
      }),
      silentLogger(),
    );
    const base = `http://127.0.0.1:${running?.healthPort}`;
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    ctx!.fatal(new Error('consumer orders is dead'));
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(503);
    expect(await live.json()).toEqual({ ok: false, detail: { fatal: 'consumer orders is dead' } });
    step.open();
    expect(await p.firstExit).toBe(EXIT.failed);
  });
});
