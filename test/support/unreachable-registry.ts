import { createServer } from 'node:net';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

/** A real registry client pointed at a port nothing listens on: what a consumer sees while the registry restarts. */
export async function unreachableRegistry(): Promise<SchemaRegistry> {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  return new SchemaRegistry({ host: `http://127.0.0.1:${port}` });
}
