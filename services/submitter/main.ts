// The submitter service: chain.ops.requested → signed, confirmed Solana transactions →
// chain.ops.status / chain.ops.dlq. The only file that touches `process`.
import { fromSpec, runService } from '../lib/service-lifecycle.ts';
import { loadKeypairFile, loadMasterSeedFile } from '../lib/solana/keys.ts';
import { submitterSpec } from './config.ts';
import { startSubmitter } from './submitter.ts';

await runService(process, {
  name: 'submitter',
  config: fromSpec(submitterSpec),
  start: async ({ config, logger, registry, shutdown, fatal, pid }) => {
    // Keys are read once; errors name the file, never its content.
    const authority = loadKeypairFile(config.AUTHORITY_KEYPAIR_PATH);
    const custodialSeed = loadMasterSeedFile(config.CUSTODIAL_SEED_PATH);
    const submitter = await startSubmitter({ config, logger, registry, authority, custodialSeed, pid, onFatal: fatal });
    shutdown.onShutdown('submitter', submitter.close);
    return submitter.readiness;
  },
});
