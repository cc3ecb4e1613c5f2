import { describe, expect, it } from 'vitest';
import { prepared } from './db.ts';

describe('prepared', () => {
  it('gives a named query config for the values', () => {
    const q = prepared('x_by_id', 'SELECT id, name FROM x WHERE id = $1');
    expect(q([7])).toEqual({ name: 'x_by_id', text: 'SELECT id, name FROM x WHERE id = $1', values: [7] });
  });

  it.each(['SELECT * FROM x', 'select  *\nfrom x', 'SELECT o.* FROM x o', 'WITH n AS (SELECT id FROM x) SELECT * FROM n', 'DELETE FROM x RETURNING *'])(
    'refuses a result of every column (%j): a cached plan breaks when a column is added',
    (text) => expect(() => prepared('bad', text)).toThrow(/selects \*: name its columns/),
  );

  it.each(['SELECT count(*) AS n FROM x', 'WITH e AS (SELECT id FROM x) SELECT 1 FROM e', 'SELECT 2 * id FROM x'])('accepts %j', (text) => {
    expect(prepared('ok', text)([]).text).toBe(text);
  });
});
