import { describe, expect, it } from 'vitest';
import { loadStackConfig } from '../../scripts/stack/config.ts';
import { stackDown, stackStatus, stackUp } from '../../scripts/stack/lifecycle.ts';
import { portOpen } from '../../scripts/stack/wait.ts';

describe('stack lifecycle', () => {
  const cfg = loadStackConfig();
  const quiet = () => undefined;

  it('names a stopped part as down, and stack:up brings back only that part', async () => {
    expect((await stackStatus(cfg)).every((s) => s.state === 'up')).toBe(true);

    const listening = await stackDown(cfg, quiet, ['registry']);
    expect(listening).toEqual([]);
    expect(await portOpen(cfg.ports.registry)).toBe(false);
    const status = await stackStatus(cfg);
    expect(status.find((s) => s.name === 'registry')?.state).toBe('down');
    expect(status.filter((s) => s.state !== 'up').map((s) => s.name)).toEqual(['registry']);

    const { started } = await stackUp(cfg, quiet);
    expect(started).toEqual(['registry']);
    expect((await stackStatus(cfg)).every((s) => s.state === 'up')).toBe(true);
  });

  it('is harmless to bring up twice', async () => {
    const { started } = await stackUp(cfg, quiet);
    expect(started).toEqual([]);
  });
});
