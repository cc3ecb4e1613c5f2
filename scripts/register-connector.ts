// `npm run connector:register`: creates or updates every connector in connect/ and waits for RUNNING.
import { join } from 'node:path';
import { REPO_ROOT, loadStackConfig } from './stack/config.ts';
import { connectUrl } from './stack/connect.ts';
import { connectorFiles, registerConnector } from './stack/connectors.ts';
import { type StackPartError } from './stack/wait.ts';

const url = process.env.KAFKA_CONNECT_URL ?? connectUrl(loadStackConfig());
try {
  for (const { name, config } of connectorFiles(join(REPO_ROOT, 'connect'))) {
    await registerConnector(url, name, config);
    console.log(`✓ connector ${name} RUNNING at ${url}`);
  }
} catch (err) {
  const e = err as StackPartError;
  console.error(`✗ ${e.message}`);
  if (e.logTail) console.error(e.logTail);
  process.exit(1);
}
