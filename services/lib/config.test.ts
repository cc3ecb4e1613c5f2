import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, int, loadConfig, str, url } from './config.ts';

const spec = {
  PORT: int('port', 8080, 1, 65535),
  NAME: str('name'),
  TOKEN: str('token', 'default-token', true),
  ENDPOINT: url('endpoint', ['http:', 'https:'], 'http://127.0.0.1:1'),
};

describe('loadConfig', () => {
  it('applies defaults and parses values', () => {
    expect(loadConfig(spec, { NAME: 'x', PORT: '99' })).toEqual({ PORT: 99, NAME: 'x', TOKEN: 'default-token', ENDPOINT: 'http://127.0.0.1:1' });
  });

  it('names every problem at once, and never echoes a secret', () => {
    try {
      loadConfig(
        {
          ...spec,
          TOKEN: {
            ...spec.TOKEN,
            parse: () => {
              throw new Error('too short');
            },
          },
        },
        { PORT: '0', TOKEN: 'hunter2', ENDPOINT: 'ftp://x' },
      );
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const { problems, message } = err as ConfigError;
      expect(problems).toHaveLength(4);
      expect(message).toContain('NAME is required');
      expect(message).toContain('PORT="0" is invalid');
      expect(message).toContain('ENDPOINT');
      expect(message).not.toContain('hunter2');
    }
  });

  test.prop([fc.integer({ min: 1, max: 65535 })])('accepts every in-range integer', (n) => {
    expect(loadConfig(spec, { NAME: 'n', PORT: String(n) }).PORT).toBe(n);
  });

  test.prop([fc.string().filter((s) => s.trim() !== '' && !/^-?\d+$/.test(s.trim()))])('rejects anything that is not a whole number', (raw) => {
    expect(() => loadConfig(spec, { NAME: 'n', PORT: raw })).toThrow(ConfigError);
  });

  it('redacts secrets when described for a log', () => {
    const cfg = loadConfig(spec, { NAME: 'n', TOKEN: 'hunter2' });
    expect(describeConfig(spec, cfg)).toMatchObject({ TOKEN: '[redacted]', NAME: 'n' });
  });
});
