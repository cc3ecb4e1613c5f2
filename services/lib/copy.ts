import type pg from 'pg';

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A text value as a field of COPY's text format: \N for null; backslash, tab, newline and carriage return escaped. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}

/** One line of COPY text format: numbers as they print, text through copyField. */
export const copyLine = (values: ReadonlyArray<string | number | null>): string =>
  `${values.map((v) => (typeof v === 'number' ? String(v) : copyField(v))).join('\t')}\n`;

interface CopyConnection {
  query: (text: string) => void;
  sendCopyFromChunk: (chunk: Buffer) => void;
  endCopyFrom: () => void;
}

/**
 * COPY … FROM STDIN with `data` (text format as a string, or the bytes of another format the SQL
 * names, such as copy-binary.ts's) on `client`, through node-postgres'
 * Submittable hook (what COPY stream packages build on), so no extra dependency. COPY loads
 * rows with a fraction of an INSERT's per-row work; it runs in the client's transaction.
 */
export function copyFrom(client: Pick<pg.PoolClient, 'query'>, sql: string, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const submittable = {
      submit: (connection: CopyConnection) => connection.query(sql),
      handleCopyInResponse: (connection: CopyConnection) => {
        const buf = typeof data === 'string' ? Buffer.from(data) : data;
        for (let i = 0; i < buf.length; i += 1 << 20) connection.sendCopyFromChunk(buf.subarray(i, i + (1 << 20)));
        connection.endCopyFrom();
      },
      // node-postgres forgets the active query once the server reports an error, so the
      // ReadyForQuery that follows never reaches it: the error itself must settle the promise.
      handleError: (err: Error) => reject(err),
      handleReadyForQuery: () => resolve(),
      handleCommandComplete: () => undefined,
      handleRowDescription: () => undefined,
      handleDataRow: () => undefined,
      handleEmptyQuery: () => undefined,
      handlePortalSuspended: () => undefined,
      handleCopyData: () => undefined,
    };
    void client.query(submittable as unknown as string);
  });
}
