// `npm run reconciler`: the stream join, scheduled full reconciliation, health and metrics.
// The only file of the service that touches process (env, signals, exit codes).
import { fromSpec, runService } from '../lib/service-lifecycle.ts';
import { reconcilerSpec } from './config.ts';
import { startReconciler } from './service.ts';

await runService(process, {
  name: 'reconciler',
  config: fromSpec(reconcilerSpec),
  start: ({ config, logger, registry, shutdown, fatal, pid }) => startReconciler({ config, logger, registry, shutdown, onFatal: fatal, pid }),
});
