// A chain that behaves like a public cluster for a pipeline run from the stack: the local chain's
// public profile in this process (a hosted provider's limits, other people's activity), the
// platform's authority funded, fresh consumer groups at the end of the topics (this chain holds
// none of the stack's earlier mints, so only this run's are followed), and each service with its
// own API key, as a provider counts requests per key.
import { LAMPORTS_PER_SOL, type PublicKey } from '@solana/web3.js';
import { silentLogger } from '../../services/lib/logger.ts';
import { TOPICS } from '../../services/lib/topics.ts';
import { startLocalnet, type Localnet, type LocalnetOptions } from '../../services/localnet/server.ts';
import { testKafka } from './kafka.ts';
import { randomHex } from './random.ts';
import type { ServiceName } from './spawn-service.ts';
import { groupAtEnd } from './submitter.ts';

export interface PublicChain {
  net: Localnet;
  /** RPC and WebSocket URLs under an API key of their own. */
  urls(key: string): { rpcUrl: string; wsUrl: string };
  /** Per-service settings for pipeline(): the chain's URLs under the service's key, and fresh groups. */
  overrides: Partial<Record<ServiceName, Record<string, string>>>;
}

export async function startPublicChain(p: { brokers: string; authority: PublicKey; options?: LocalnetOptions }): Promise<PublicChain> {
  // Other people's activity at a public cluster's default rate, unless the caller says otherwise.
  const net = await startLocalnet({ port: 0, slotMs: 400, confirmationSlots: 2, logger: silentLogger(), profile: 'public', backgroundTps: 200, ...p.options });
  net.fund(p.authority.toBase58(), 10_000n * BigInt(LAMPORTS_PER_SOL));
  return { net, ...(await publicChainSettings(net.rpcUrl, net.wsUrl, p.brokers)) };
}

/** For a public-profile chain at these URLs: the URLs under a key, and each service's settings. */
export async function publicChainSettings(rpcUrl: string, wsUrl: string, brokers: string): Promise<Omit<PublicChain, 'net'>> {
  const urls = (key: string) => ({ rpcUrl: `${rpcUrl}/?api-key=${key}`, wsUrl: `${wsUrl}/?api-key=${key}` });
  const on = (key: string) => ({ SOLANA_RPC_URL: urls(key).rpcUrl, SOLANA_WS_URL: urls(key).wsUrl });
  const groups = {
    SUBMITTER_GROUP_ID: `public-submitter-${randomHex()}`,
    INGEST_REQUEST_GROUP: `public-ingest-requests-${randomHex()}`,
    INGEST_STATUS_GROUP: `public-ingest-status-${randomHex()}`,
  };
  const kafka = testKafka(brokers);
  await groupAtEnd(kafka, groups.SUBMITTER_GROUP_ID, TOPICS.opsRequested);
  await groupAtEnd(kafka, groups.INGEST_REQUEST_GROUP, TOPICS.opsRequested);
  await groupAtEnd(kafka, groups.INGEST_STATUS_GROUP, TOPICS.opsStatus);
  return {
    urls,
    overrides: {
      submitter: { ...on('submitter'), SUBMITTER_GROUP_ID: groups.SUBMITTER_GROUP_ID },
      'chain-ingest': {
        ...on('chain-ingest'),
        INGEST_REQUEST_GROUP: groups.INGEST_REQUEST_GROUP,
        INGEST_STATUS_GROUP: groups.INGEST_STATUS_GROUP,
        INGEST_TRACK_FROM_TOPIC: 'false',
      },
      projector: on('projector'),
      reconciler: on('reconciler'),
    },
  };
}
