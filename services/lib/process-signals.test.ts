import { describe, expect, it } from 'vitest';
import { silentLogger } from './logger.ts';
import { handleSignals, type ProcessPort } from './process-signals.ts';
import { Shutdown } from './shutdown.ts';

function fakeProcess() {
  const listeners = new Map<string, (s: NodeJS.Signals) => void>();
  const exits: number[] = [];
  let exited: (code: number) => void = () => undefined;
  const exitedOnce = new Promise<number>((r) => (exited = r));
  const proc: ProcessPort = {
    on: (event, fn) => listeners.set(event, fn),
    exit: ((code: number) => {
      exits.push(code);
      exited(code);
    }) as ProcessPort['exit'],
  };
  return { proc, exits, exitedOnce, send: (s: NodeJS.Signals) => listeners.get(s)!(s) };
}

describe('handleSignals', () => {
  it('exits 0 after a clean shutdown on SIGTERM', async () => {
    const p = fakeProcess();
    const shutdown = new Shutdown(silentLogger());
    let closed = false;
    shutdown.onShutdown('thing', () => void (closed = true));
    handleSignals(p.proc, shutdown, silentLogger());
    p.send('SIGTERM');
    expect(await p.exitedOnce).toBe(0);
    expect(closed).toBe(true);
  });

  it('exits 1 after a crash, and 130 on a second signal', async () => {
    const p = fakeProcess();
    const shutdown = new Shutdown(silentLogger());
    shutdown.onShutdown('slow', () => new Promise((r) => setTimeout(r, 50)));
    const { fatal } = handleSignals(p.proc, shutdown, silentLogger());
    fatal(new Error('consumer crashed'));
    p.send('SIGINT');
    p.send('SIGINT');
    expect(p.exits[0]).toBe(130);
    await new Promise((r) => setTimeout(r, 100));
    // The real process ends at the first exit; the later calls only show no path exits 0.
    expect(p.exits.slice(1).length).toBeGreaterThan(0);
    expect(p.exits.slice(1).every((code) => code === 1)).toBe(true);
  });
});
