// Wiring: one Chain, one SubscriptionHub, the HTTP JSON-RPC endpoint, WebSocket PubSub on the
// same port (and optionally on port+1, where web3.js looks by default), the admin endpoint and
// the slot clock.
import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ComputeBudgetProgram, Keypair, PublicKey, SystemProgram, Transaction } from '@solana/web3.js';
import { WebSocketServer, type WebSocket } from 'ws';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { AdminError, handleAdmin, type AdminApi, type MethodFailureSpec, type RateLimitSpec } from './admin.ts';
import { BackgroundLoad, MAX_BACKGROUND_TPS } from './background-load.ts';
import { Chain, genesisState } from './chain.ts';
import { clearFaults, emptyFaults, setDropTouching, takeRateLimit, type FaultState } from './faults.ts';
import { FeeLevels } from './fee-market.ts';
import type { SlotInfo } from './ledger-types.ts';
import { ClientRateLimiter, clientOf, PUBLIC_PROVIDER_LIMITS, type LocalnetProfile } from './provider-limits.ts';
import { SubscriptionHub } from './pubsub.ts';
import type { RpcContext } from './rpc/context.ts';
import { handleBody } from './rpc/dispatch.ts';
import { INTERNAL_ERROR, PARSE_ERROR, RpcError } from './rpc/errors.ts';
import { seedNftHoldings, type NftHolding, type SeededHolding } from './seed.ts';
import { readSnapshot, snapshotDue, snapshotExists, writeSnapshot } from './snapshot.ts';
import { accountsVersion, newSvm, readAccount, writeAccount } from './svm.ts';

export interface LocalnetOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /**
   * An extra WebSocket-only listener. Defaults to port+1 when `port` is fixed (web3.js derives
   * its ws URL that way), none when `port` is 0. PubSub is always served on `port` too.
   */
  wsPort?: number | null;
  /** Slot length; 0 stops the clock, and slots then advance only through advanceSlots. */
  slotMs?: number;
  /** Blocks between processed and confirmed. */
  confirmationSlots?: number;
  /** Loaded at start if present, written at stop (and every snapshotIntervalMs if set). */
  snapshotPath?: string;
  snapshotIntervalMs?: number;
  faucetKeypair?: Keypair;
  logger?: Logger;
  /** `public`: answer as a hosted provider does, with its limits (provider-limits.ts). Default: a private node. */
  profile?: LocalnetProfile;
  /**
   * Other people's transactions per second (background-load.ts), spread over the slots. Default 0,
   * whatever the profile: the process's configuration gives the public profile its default rate.
   */
  backgroundTps?: number;
  /** With a manual clock (slotMs 0): background transactions per produced slot; default backgroundTps × 400 / 1000. */
  backgroundPerSlot?: number;
  /** Default: random (logged at start, and in GET /admin/state). */
  backgroundSeed?: number;
}

export interface Localnet extends AdminApi {
  rpcUrl: string;
  /** Pass as `new Connection(rpcUrl, { wsEndpoint: wsUrl })`. */
  wsUrl: string;
  port: number;
  faucet: PublicKey;
  chain: Chain;
  fund(address: string, lamports: bigint): void;
  stop(): Promise<void>;
}

const FAUCET_LAMPORTS = 1_000_000_000_000_000n; // 1M SOL, below 2^53 so JSON numbers stay exact
const DEFAULT_FAILURE = { code: -32005, message: 'Node is unhealthy (injected fault)' };
/** Background transactions built per turn of the event loop between slots: about 10 ms of work. */
const BACKGROUND_CHUNK = 32;

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('server has no port');
  return addr.port;
}

function readBody(req: IncomingMessage, limit = 50 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The methods a JSON-RPC body names (one request or a batch). */
function methodsOf(body: unknown): string[] {
  const requests = Array.isArray(body) ? body : [body];
  return requests.flatMap((r) => (typeof (r as { method?: unknown })?.method === 'string' ? [(r as { method: string }).method] : []));
}

/** HTTP 429 with Retry-After, in the JSON-RPC error shape providers use. */
function tooManyRequests(res: ServerResponse, retryAfter: string, message: string): void {
  const text = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: 429, message } });
  res.writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter, 'content-length': Buffer.byteLength(text) }).end(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startLocalnet(options: LocalnetOptions = {}): Promise<Localnet> {
  const logger = options.logger ?? silentLogger();
  const host = options.host ?? '127.0.0.1';
  const slotMs = options.slotMs ?? 400;
  const confirmationSlots = options.confirmationSlots ?? 1;
  const snapshotPath = options.snapshotPath;
  if (!Number.isInteger(confirmationSlots) || confirmationSlots < 0) throw new Error('confirmationSlots must be a non-negative integer');
  if (!Number.isFinite(slotMs) || slotMs < 0) throw new Error('slotMs must be >= 0');
  const backgroundTps = options.backgroundTps ?? 0;
  if (!Number.isInteger(backgroundTps) || backgroundTps < 0 || backgroundTps > MAX_BACKGROUND_TPS) {
    throw new Error(`backgroundTps must be an integer in 0..${MAX_BACKGROUND_TPS}`);
  }
  if (options.backgroundPerSlot !== undefined && (!Number.isInteger(options.backgroundPerSlot) || options.backgroundPerSlot < 0)) {
    throw new Error('backgroundPerSlot must be a non-negative integer');
  }

  const restored = snapshotPath && snapshotExists(snapshotPath) ? readSnapshot(snapshotPath) : null;
  const chain = restored ? new Chain(restored.svm, restored.state, confirmationSlots) : new Chain(newSvm(), genesisState(Date.now()), confirmationSlots);
  if (restored) logger.info({ snapshotPath, slot: chain.tip().slot }, 'restored snapshot');

  const faucet = options.faucetKeypair ?? Keypair.generate();
  const faucetKey = faucet.publicKey.toBase58();
  if ((readAccount(chain.svm, faucetKey)?.lamports ?? 0n) < FAUCET_LAMPORTS / 10n) {
    chain.seedAccounts([[faucetKey, { lamports: FAUCET_LAMPORTS, data: new Uint8Array(0), owner: SystemProgram.programId.toBase58(), executable: false }]]);
  }

  const faults: FaultState = emptyFaults();
  const limits = options.profile === 'public' ? PUBLIC_PROVIDER_LIMITS : null;
  const rateLimiter = limits && new ClientRateLimiter(limits);
  const fees = new FeeLevels();
  let airdropCounter = 0;
  const ctx: RpcContext = {
    chain,
    faults,
    logger,
    limits,
    fees,
    airdrop(to, lamports) {
      // Identical airdrops in one slot would share a signature; a varying compute limit keeps
      // each request a distinct transaction, as the real faucet's do.
      airdropCounter = (airdropCounter + 1) % 100_000;
      const tx = new Transaction({ feePayer: faucet.publicKey, recentBlockhash: chain.tip().blockhash })
        .add(ComputeBudgetProgram.setComputeUnitLimit({ units: 200_000 + airdropCounter }))
        .add(SystemProgram.transfer({ fromPubkey: faucet.publicKey, toPubkey: new PublicKey(to), lamports: lamports }));
      tx.sign(faucet);
      const result = chain.submit(new Uint8Array(tx.serialize()), { skipPreflight: false, drop: false });
      if (!result.ok) throw new RpcError(INTERNAL_ERROR, `airdrop request failed: ${JSON.stringify(result.err)}`);
      return result.signature;
    },
  };
  const hub = new SubscriptionHub(ctx);
  chain.setEvents(hub);

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    hub.attach(ws);
  });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (Date.now() < faults.refuseWebSocketsUntil) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };

  let api: Localnet;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method === 'GET' && path === '/health') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      let text: string;
      try {
        text = await readBody(req);
      } catch (e) {
        sendJson(res, 413, { error: (e as Error).message });
        return;
      }
      if (path.startsWith('/admin/')) {
        try {
          const body = text.length > 0 ? (JSON.parse(text) as unknown) : {};
          sendJson(res, 200, handleAdmin(api, req.method ?? 'GET', path, body));
        } catch (e) {
          const status = e instanceof AdminError || e instanceof SyntaxError ? 400 : 500;
          sendJson(res, status, { error: (e as Error).message });
        }
        return;
      }
      if (req.method !== 'POST') {
        sendJson(res, 405, { error: 'JSON-RPC requests are POSTed' });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        sendJson(res, 200, { jsonrpc: '2.0', id: null, error: { code: PARSE_ERROR, message: 'Parse error' } });
        return;
      }
      const retryAfter = takeRateLimit(faults, methodsOf(body), Date.now());
      if (retryAfter !== null) {
        tooManyRequests(res, retryAfter, 'Too many requests (injected fault)');
        return;
      }
      // A provider counts each request of a batch against the client's rate.
      const wait = rateLimiter?.take(clientOf(req.url, req.socket.remoteAddress), Date.now(), Array.isArray(body) ? Math.max(1, body.length) : 1) ?? 0;
      if (wait > 0) {
        tooManyRequests(res, String(wait), 'Too many requests for a specific RPC call');
        return;
      }
      sendJson(res, 200, await handleBody(body, ctx));
    })().catch((e: unknown) => {
      logger.error({ err: e }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
  };

  const http = createServer(onRequest);
  http.on('upgrade', onUpgrade);
  http.keepAliveTimeout = 65_000;
  const port = await listen(http, options.port ?? 0, host);
  let wsOnly: Server | null = null;
  const wsPort = options.wsPort === undefined ? (options.port ? port + 1 : null) : options.wsPort;
  if (wsPort !== null) {
    wsOnly = createServer((_req, res) => sendJson(res, 426, { error: 'WebSocket only; JSON-RPC is on port ' + port }));
    wsOnly.on('upgrade', onUpgrade);
    await listen(wsOnly, wsPort, host);
  }

  const fund = (address: string, lamports: bigint) => {
    const current = readAccount(chain.svm, address);
    writeAccount(chain.svm, address, {
      lamports: (current?.lamports ?? 0n) + lamports,
      data: current?.data ?? new Uint8Array(0),
      owner: current?.owner ?? SystemProgram.programId.toBase58(),
      executable: current?.executable ?? false,
    });
  };
  const backgroundSeed = options.backgroundSeed ?? randomInt(2 ** 32);
  const background = new BackgroundLoad({
    chain,
    seed: backgroundSeed,
    tps: backgroundTps,
    slotMs,
    ...(options.backgroundPerSlot !== undefined ? { perSlot: options.backgroundPerSlot } : {}),
    fund,
    logger,
  });

  let lastTxAt = 0;
  let lastSnapshotAt = Date.now();
  const produce = (): SlotInfo => {
    background.queue();
    const block = chain.produceBlock();
    // The level a node reports is what the slot's transactions paid: the background's own, unless
    // congestion asks more (only congestion gates landing; see rpc/transactions.ts).
    const backgroundLevel = background.settle();
    fees.record(block.slot, backgroundLevel > faults.congestionMicroLamports ? backgroundLevel : faults.congestionMicroLamports);
    if (block.signatures.length > 0) lastTxAt = Date.now();
    const root = chain.blockAt('finalized');
    return { slot: block.slot, parent: block.parent, root: root.slot };
  };
  // With a running clock the next slot's background is built between slots, a chunk per turn of
  // the event loop, so requests are served meanwhile; produce() builds whatever is left.
  let building: NodeJS.Immediate | null = null;
  const buildChunk = () => {
    building = background.step(BACKGROUND_CHUNK) ? setImmediate(buildChunk) : null;
  };
  const clock =
    slotMs > 0
      ? setInterval(() => {
          if (faults.slotsStalled) return;
          try {
            produce();
            background.begin();
            building ??= setImmediate(buildChunk);
          } catch (e) {
            logger.error({ err: e }, 'slot production failed');
          }
        }, slotMs)
      : null;

  // The accounts' version at the last snapshot (or restore): a chain that has only produced empty
  // blocks since is not worth a second of serialising; the next change or the shutdown saves them.
  let savedVersion: number | null = restored ? accountsVersion(chain.svm) : null;
  const saveSnapshot = (): string | null => {
    if (!snapshotPath) return null;
    const version = accountsVersion(chain.svm);
    writeSnapshot(snapshotPath, chain.svm, chain.state);
    lastSnapshotAt = Date.now();
    savedVersion = version;
    return snapshotPath;
  };
  const snapshotTimer =
    snapshotPath && options.snapshotIntervalMs
      ? setInterval(() => {
          const interval = options.snapshotIntervalMs!;
          if (savedVersion === accountsVersion(chain.svm)) return;
          if (!snapshotDue({ now: Date.now(), lastTxAt, lastSnapshotAt }, { quietMs: Math.min(2_000, interval), maxDeferMs: 30 * interval })) return;
          try {
            saveSnapshot();
          } catch (e) {
            // Not again at the next tick: serializing the whole chain costs the event loop, and
            // the same state fails the same way (LiteSVM refuses states past its 4 MiB limit).
            lastSnapshotAt = Date.now();
            logger.error({ err: e }, 'snapshot failed; the chain since the last snapshot is not saved, next try after the usual interval');
          }
        }, options.snapshotIntervalMs)
      : null;

  const hostForUrl = host === '0.0.0.0' ? '127.0.0.1' : host;
  let stopped = false;
  api = {
    rpcUrl: `http://${hostForUrl}:${port}`,
    wsUrl: `ws://${hostForUrl}:${port}`,
    port,
    faucet: faucet.publicKey,
    chain,
    fund,
    dropNextTransactions(n) {
      faults.dropNextTransactions = n;
    },
    dropTransactionsTouching(account, count) {
      setDropTouching(faults, account, count);
      logger.info({ account, count }, count === 0 ? 'fault: scoped drop cleared' : 'fault: dropping transactions that name the account');
    },
    failMethod(method, spec?: MethodFailureSpec | null) {
      if (spec === null) {
        faults.failures.delete(method);
        return;
      }
      faults.failures.set(method, {
        remaining: spec?.count ?? null,
        code: spec?.code ?? DEFAULT_FAILURE.code,
        message: spec?.message ?? DEFAULT_FAILURE.message,
      });
    },
    rateLimitMethod(method, spec: RateLimitSpec | null) {
      if (spec === null) faults.rateLimits.delete(method);
      else faults.rateLimits.set(method, { remaining: spec.count ?? null, retryAfterSeconds: spec.retryAfterSeconds ?? 1, httpDate: spec.httpDate ?? false });
    },
    delayMethod(method, ms) {
      if (ms <= 0) faults.delaysMs.delete(method);
      else faults.delaysMs.set(method, ms);
    },
    stallSlots(stalled) {
      faults.slotsStalled = stalled;
    },
    closeWebSockets(opts = {}) {
      faults.refuseWebSocketsUntil = Date.now() + (opts.refuseMs ?? 0);
      const n = sockets.size;
      hub.clear();
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      logger.info({ closed: n, refuseMs: opts.refuseMs ?? 0 }, 'fault: closed websockets');
      return n;
    },
    fork() {
      const abandoned = chain.fork();
      logger.info({ abandoned }, 'fault: fork');
      return abandoned;
    },
    abandonConfirmed(account) {
      const result = chain.abandonConfirmed(account);
      logger.info({ account, ...result }, 'fault: fork abandoned confirmed blocks');
      return result;
    },
    clearFaults() {
      clearFaults(faults);
    },
    congest(microLamports) {
      faults.congestionMicroLamports = microLamports;
      logger.info({ microLamports: String(microLamports) }, microLamports > 0n ? 'fault: congestion' : 'fault: congestion ended');
    },
    setBackgroundTps(tps) {
      background.setTps(tps);
      logger.info({ tps, perSlot: background.perSlot() }, 'background load: rate changed');
    },
    advanceSlots(n) {
      for (let i = 0; i < n; i++) produce();
      const tip = chain.tip();
      return { slot: tip.slot, height: tip.height };
    },
    seedNftHoldings(holdings: readonly NftHolding[]): SeededHolding[] {
      return seedNftHoldings(chain, holdings);
    },
    saveSnapshot,
    describe() {
      const h = chain.heights();
      return {
        slot: chain.tip().slot,
        slots: {
          processed: chain.blockAt('processed').slot,
          confirmed: chain.blockAt('confirmed').slot,
          finalized: chain.blockAt('finalized').slot,
        },
        blockHeights: h,
        pendingTransactions: chain.pendingCount(),
        subscriptions: hub.count(),
        webSockets: sockets.size,
        faucet: faucetKey,
        faults: {
          dropNextTransactions: faults.dropNextTransactions,
          dropTouching: Object.fromEntries(faults.dropTouching),
          failMethods: Object.fromEntries(faults.failures),
          rateLimitMethods: Object.fromEntries(faults.rateLimits),
          delayMethods: Object.fromEntries(faults.delaysMs),
          slotsStalled: faults.slotsStalled,
          refuseWebSocketsUntil: faults.refuseWebSocketsUntil,
          congestionMicroLamports: String(faults.congestionMicroLamports),
        },
        background: background.describe(),
        profile: options.profile ?? 'default',
      };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (clock) clearInterval(clock);
      if (building) clearImmediate(building);
      if (snapshotTimer) clearInterval(snapshotTimer);
      for (const ws of sockets) ws.terminate();
      hub.clear();
      wss.close();
      const closeServer = (s: Server) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
      await Promise.all([closeServer(http), ...(wsOnly ? [closeServer(wsOnly)] : [])]);
      saveSnapshot();
    },
  };
  logger.info({ rpcUrl: api.rpcUrl, wsUrl: api.wsUrl, wsPort, slotMs, confirmationSlots }, 'localnet listening');
  // `backgroundSeed`, not `seed`: the logger redacts `seed` keys, and this one is what replays the load.
  logger.info({ tps: backgroundTps, perSlot: background.perSlot(), backgroundSeed }, backgroundTps > 0 ? 'background load on' : 'background load off');
  return api;
}
