// Migrations, topics, schemas and connectors against an already running stack whose addresses
// come from the environment (docker-compose's one-shot "setup" service runs this).
import { setup } from './prepare.ts';

setup(process.env, (line) => console.log(line)).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`✗ setup failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
