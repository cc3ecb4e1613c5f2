// The per-mint state machine of the leader: what each tracked mint's token accounts look like,
// what was last published, and whether the stream can be trusted (no gap open). Stream
// notifications and backfill reads both become observations; the pure cores decide the rest.
import type { Logger } from '../lib/logger.ts';
import { decodeTokenAccount } from '../lib/solana/token-accounts.ts';
import type { MintScan, TokenAccountReader } from './token-account-reader.ts';
import { RetryableError } from '../lib/errors.ts';
import { awaitsFinality, mintLife, rereadStep, sameHolding, shouldPublish, type Published } from './decide.ts';
import { holdingAt, observe, seenSince, type Holding, type TokenObservation } from './holding.ts';
import type { IngestMetrics } from './metrics.ts';
import type { OwnershipChange, OwnershipSource, RecordSink } from './sink.ts';

export interface IngestorDeps {
  chain: TokenAccountReader;
  sink: RecordSink;
  metrics: IngestMetrics;
  logger: Logger;
  published: Map<string, Published>;
  /** Mints followed from now on: the stream subscribes to them. */
  onTracked?: (mints: string[]) => void;
  now?: () => number;
}

/** Finality checks per root; the rest wait for the next one. */
const FINALIZE_BATCH = 2_000;
/** At most one finality check this often: roots arrive every slot. */
const FINALIZE_EVERY_MS = 2_000;
/**
 * How long a mint-account change waits for the token-account change of the same transaction
 * before the mint is re-read. Publishing never waits for it: the token account's notification
 * publishes; the re-read only covers that notification getting lost.
 */
const MINT_CHANGE_GRACE_MS = 1_000;

export type BackfillReason = 'start' | 'gap' | 'sweep' | 'track' | 'correction' | 'mint-change';

export class Ingestor {
  private readonly tracked = new Set<string>();
  private readonly books = new Map<string, Map<string, TokenObservation>>();
  private readonly accountMint = new Map<string, string>();
  private readonly dirty = new Map<string, OwnershipSource>();
  private readonly last: Map<string, Published>;
  private sending: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  /** Mints whose mint account changed, with the slot of the change, until the grace has passed. */
  private readonly mintChanges = new Map<string, number>();
  private mintChangeTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;

  // Gap bookkeeping: a gap opens at start, on a disconnect or a silent slot stream, and closes only
  // when a backfill that began after the stream came back has been applied and published.
  private gapOpen = true;
  private gapEpoch = 0;
  private started = false;
  private streamBackSinceGap = false;
  private backfilling: Promise<void> | undefined;
  private coveredSlot = 0;
  private tip = 0;
  private root = 0;
  private finalizing = false;
  private lastFinalizeAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly deps: IngestorDeps) {
    this.last = deps.published;
    this.now = deps.now ?? Date.now;
  }

  get caughtUp(): boolean {
    return !this.gapOpen && this.failure === undefined;
  }

  get fatal(): Error | undefined {
    return this.failure;
  }

  slotLag(tip = this.tip): number {
    return Math.max(0, tip - this.coveredSlot);
  }

  get trackedCount(): number {
    return this.tracked.size;
  }

  trackedMints(): string[] {
    return [...this.tracked];
  }

  lastPublished(mint: string): Published | undefined {
    return this.last.get(mint);
  }

  /**
   * Confirmed mints: followed from now on, and read at once unless something was published for
   * them already (the stream got there first), so a mint is never left waiting for a sweep.
   */
  /**
   * Confirmed mints join the tracked set, and resolve only once each has a record in the topic:
   * the caller then moves its offset past their status events, and the next leader learns its
   * tracked set from the topic, so a mint tracked here but not published would be lost for good.
   * Rejects (retryable) while a mint's account does not show in the chain view read yet, or when
   * publishing failed.
   */
  async track(mints: readonly string[]): Promise<void> {
    const unread = mints.filter((m) => !this.tracked.has(m) || !this.last.has(m));
    this.addTracked(mints);
    if (unread.length > 0) await this.reread(unread, 'track');
    // Burned before this instance saw it: no token account is left to list, its mint account says so.
    const unlisted = mints.filter((m) => !this.last.has(m));
    if (unlisted.length > 0) await this.reread(unlisted, 'mint-change');
    await this.flush();
    if (this.failure) throw new RetryableError('publishing to chain.ownership failed; the mints are tracked again by the next leader', { mints }, this.failure);
    const unpublished = mints.filter((m) => !this.last.has(m));
    if (unpublished.length > 0)
      throw new RetryableError(`confirmed mint(s) not published yet: the chain view read does not show them (${unpublished.join(', ')})`, {
        mints: unpublished,
      });
  }

  /** Requested mints: not on chain yet, so nothing to read; the stream reports them when they land. */
  expect(mints: readonly string[]): void {
    this.addTracked(mints);
  }

  /** Mints known before the stream opened; read by the start backfill. */
  addTracked(mints: Iterable<string>): void {
    const added: string[] = [];
    for (const m of mints) {
      if (this.tracked.has(m)) continue;
      this.tracked.add(m);
      added.push(m);
    }
    this.deps.metrics.tracked.set(this.tracked.size);
    if (added.length > 0) this.deps.onTracked?.(added);
  }

  // ---- stream -------------------------------------------------------------------------------

  onTokenAccount(pubkey: string, data: Uint8Array, slot: number): void {
    const t = decodeTokenAccount(data);
    if (t) {
      if (!this.tracked.has(t.mint)) return;
      this.accountMint.set(pubkey, t.mint);
      this.apply({ mint: t.mint, tokenAccount: pubkey, owner: t.owner, amount: t.amount, slot }, 'stream');
      return;
    }
    // Closed (or no longer a token account): only its address tells which mint it belonged to.
    const mint = this.accountMint.get(pubkey);
    if (mint) this.apply({ mint, tokenAccount: pubkey, owner: null, amount: 0n, slot }, 'stream');
  }

  onMintAccount(mint: string, slot: number): void {
    // Supply changes (a mint, a burn) come with token-account changes the stream also carries.
    // One lost in between is caught by re-reading the mint, but only if the stream has not shown
    // a token account of it since: otherwise every mint and burn would cost a filtered read.
    if (!this.tracked.has(mint) || this.gapOpen) return;
    this.mintChanges.set(mint, Math.max(slot, this.mintChanges.get(mint) ?? 0));
    this.mintChangeTimer ??= setTimeout(() => this.checkMintChanges(), MINT_CHANGE_GRACE_MS);
  }

  private checkMintChanges(): Promise<void> {
    if (this.mintChangeTimer) clearTimeout(this.mintChangeTimer);
    this.mintChangeTimer = undefined;
    const unseen = [...this.mintChanges].filter(([mint, slot]) => !seenSince(this.books.get(mint)?.values() ?? [], slot)).map(([mint]) => mint);
    this.mintChanges.clear();
    return this.reread(unseen, 'mint-change').catch((err) => this.deps.logger.warn({ err, mints: unseen.length }, 'mint re-read failed'));
  }

  /** `complete`: every subscription of the stream is in place (not so while a connection is down or still subscribing). */
  onSlot(slot: number, complete = true): void {
    this.tip = Math.max(this.tip, slot);
    if (!this.gapOpen) {
      this.coveredSlot = this.tip;
      return;
    }
    // A backfill closes the gap only if it began once nothing was going unheard.
    if (!complete) return;
    this.streamBackSinceGap = true;
    if (!this.backfilling) void this.closeGap();
  }

  onRoot(root: number): void {
    this.root = Math.max(this.root, root);
    if (this.finalizing || this.failure || this.now() - this.lastFinalizeAt < FINALIZE_EVERY_MS) return;
    this.finalizing = true;
    this.lastFinalizeAt = this.now();
    void this.finalize()
      .catch((err) => this.deps.logger.warn({ err, root }, 'finality check failed; retried at the next root'))
      .finally(() => (this.finalizing = false));
  }

  openGap(reason: 'disconnect' | 'stall' | 'start'): void {
    this.gapEpoch++;
    this.streamBackSinceGap = false;
    if (this.gapOpen && reason !== 'start') return;
    this.gapOpen = true;
    this.deps.metrics.gaps.inc({ reason });
    this.deps.logger.warn({ reason, coveredSlot: this.coveredSlot }, 'stream gap opened; backfill once the stream is back');
  }

  // ---- backfill -----------------------------------------------------------------------------

  /** Reads every tracked mint; closes the gap if no new gap opened while it ran. */
  closeGap(): Promise<void> {
    const epoch = this.gapEpoch;
    const run = this.backfill(this.started ? 'gap' : 'start').then(() => {
      if (epoch === this.gapEpoch && this.streamBackSinceGap) {
        this.started = true;
        this.gapOpen = false;
        this.coveredSlot = Math.max(this.coveredSlot, this.tip);
        this.deps.logger.info({ slot: this.coveredSlot, mints: this.tracked.size }, 'stream gap closed by backfill');
      }
    });
    this.backfilling = run
      .catch((err) => this.deps.logger.warn({ err }, 'gap backfill failed; retried at the next slot'))
      .finally(() => (this.backfilling = undefined));
    return this.backfilling;
  }

  private sweepOrder: string[] = [];
  private sweepAt = 0;

  /**
   * The sweep, catching what the stream may have missed: the next `count` mints of a rolling pass
   * over the tracked set (in slices, see sweepSliceSize); a pass that reached its end starts again
   * over the set as it is then.
   */
  sweepNext(count: number): Promise<void> {
    if (this.sweepAt >= this.sweepOrder.length) {
      this.sweepOrder = [...this.tracked];
      this.sweepAt = 0;
    }
    const slice = this.sweepOrder.slice(this.sweepAt, this.sweepAt + count);
    this.sweepAt += slice.length;
    return this.reread(slice, 'sweep');
  }

  private async backfill(reason: BackfillReason): Promise<void> {
    await this.reread([...this.tracked], reason);
  }

  /**
   * Brings these mints up to date from reads at confirmed: the known holders' accounts in
   * batches, never-seen mints' existence in batches, and a listing of token accounts only for
   * mints that moved, landed or are in doubt (rereadStep). A sweep of mints that did not move
   * costs one account read per mint, and no scan of the Token program.
   */
  private async reread(mints: readonly string[], reason: BackfillReason): Promise<void> {
    if (mints.length === 0) return;
    // No retry here: the reader's RPC pool has already retried what is worth retrying, failing
    // over between endpoints; what still fails is not worth a second round of the same.
    const holders: Array<[string, string]> = [];
    const unseen: string[] = [];
    // Mints whose token accounts may have to be listed: first their mint accounts are read in
    // batches, and only those with a supply are listed (one read each, filtered by the mint).
    // Absent, unminted and burned mints have no holder, which the batched read alone says.
    const toCheck: string[] = [];
    for (const mint of mints) {
      const book = this.books.get(mint);
      const seen = (book !== undefined && book.size > 0) || this.last.has(mint);
      const holderAccount = seen ? (holdingAt(this.bookOf(mint).values())?.tokenAccount ?? null) : null;
      const step = rereadStep({ holderAccount, seen, last: this.last.get(mint), sweep: reason === 'sweep' });
      if (step === 'holder') holders.push([mint, holderAccount!]);
      // A mint tracked because its mint operation confirmed has landed: no need to ask.
      else if (step === 'exists') (reason === 'track' ? toCheck : unseen).push(mint);
      else if (step === 'scan') toCheck.push(mint);
    }
    if (holders.length > 0) {
      const reads = await this.deps.chain.readTokenAccounts(
        holders.map(([, a]) => a),
        'confirmed',
      );
      holders.forEach(([mint, address], i) => {
        const r = reads[i]!;
        if (r.account && r.account.mint === mint && r.account.amount > 0n)
          this.apply({ mint, tokenAccount: address, owner: r.account.owner, amount: r.account.amount, slot: r.slot }, 'backfill');
        else toCheck.push(mint);
      });
    }
    const burned: OwnershipChange[] = [];
    const toScan: string[] = [];
    const checking = new Set(toCheck);
    if (unseen.length + toCheck.length > 0) {
      for (const r of await this.deps.chain.readMints([...unseen, ...toCheck], 'confirmed')) {
        const life = mintLife(r.mint);
        if (life === 'minted') toScan.push(r.address);
        // Minted and burned before this instance ever saw it: no token account is left to list.
        else if (life === 'burned' && !this.last.has(r.address))
          this.offer(r.address, { owner: null, tokenAccount: null, amount: 0n, slot: r.slot, commitment: 'confirmed' }, 'backfill', burned, true);
        // Nobody holds it: what a listing would have shown, with no account holding the token.
        else if (checking.has(r.address)) this.applyScan({ mint: r.address, slot: r.slot, accounts: [] });
      }
    }
    void this.send(burned);
    const scans = toScan.length > 0 ? await this.deps.chain.scan(toScan, 'confirmed') : [];
    for (const s of scans) this.applyScan(s);
    this.deps.metrics.backfills.inc({ reason });
    this.deps.metrics.backfilledMints.inc(mints.length);
    await this.flush();
  }

  private applyScan(scan: MintScan): void {
    const book = this.bookOf(scan.mint);
    const present = new Set<string>();
    for (const o of scan.accounts) {
      present.add(o.tokenAccount);
      this.accountMint.set(o.tokenAccount, o.mint);
      observe(book, o);
    }
    // The read lists every live account: one we knew that is missing was closed by then.
    for (const [account, o] of book) {
      if (!present.has(account) && o.slot < scan.slot) observe(book, { ...o, owner: null, amount: 0n, slot: scan.slot });
    }
    this.dirty.set(scan.mint, this.dirty.get(scan.mint) === 'stream' ? 'stream' : 'backfill');
  }

  // ---- finality -----------------------------------------------------------------------------

  /**
   * Once the root passes a confirmed record's slot, the finalized view either agrees (publish it
   * again as finalized) or not (the slot never rooted, or an update was missed): then the mint is
   * re-read at confirmed and the current truth published at a slot no lower than the last.
   */
  private async finalize(): Promise<void> {
    const due = [...this.last].filter(([mint, p]) => this.tracked.has(mint) && awaitsFinality(p, this.root)).slice(0, FINALIZE_BATCH);
    if (due.length === 0) return;
    const contradicted: string[] = [];
    const out: OwnershipChange[] = [];
    const agree = (mint: string, holding: Holding, slot: number) => {
      const last = this.last.get(mint);
      if (!last || slot < last.slot) return; // the finalized view is not there yet
      if (sameHolding(holding, last)) this.offer(mint, { ...last, commitment: 'finalized' }, 'backfill', out);
      else contradicted.push(mint);
    };
    // Held: one batched read of the holder's account says it all (supply 1: if it holds the
    // token, nobody else does). Burned: only a filtered read can say that nobody holds it.
    const held = due.filter(([, p]) => p.tokenAccount !== null);
    const reads = await this.deps.chain.readTokenAccounts(
      held.map(([, p]) => p.tokenAccount!),
      'finalized',
    );
    held.forEach(([mint], i) => {
      const r = reads[i]!;
      const a = r.account && r.account.mint === mint && r.account.amount > 0n ? r.account : null;
      agree(
        mint,
        a ? { owner: a.owner, tokenAccount: r.address, amount: a.amount, slot: r.slot } : { owner: null, tokenAccount: null, amount: 0n, slot: r.slot },
        r.slot,
      );
    });
    const empty = due.filter(([, p]) => p.tokenAccount === null).map(([mint]) => mint);
    for (const s of await this.deps.chain.scan(empty, 'finalized')) {
      agree(s.mint, holdingAt(s.accounts) ?? { owner: null, tokenAccount: null, amount: 0n, slot: s.slot }, s.slot);
    }
    // Queued behind earlier sends, not awaited: a failure is kept in this.failure and ends leadership.
    void this.send(out);
    if (contradicted.length > 0) {
      this.deps.metrics.corrections.inc(contradicted.length);
      this.deps.logger.warn(
        { mints: contradicted.slice(0, 20), count: contradicted.length, root: this.root },
        'finalized chain contradicts published owner; re-reading',
      );
      await this.reread(contradicted, 'correction');
    }
    await this.sending;
  }

  // ---- publishing ---------------------------------------------------------------------------

  private bookOf(mint: string): Map<string, TokenObservation> {
    let book = this.books.get(mint);
    if (!book) {
      this.books.set(mint, (book = new Map()));
      // What the topic says is the truth as of its slot; a later read that lacks the account
      // then says it was closed, even if this instance never saw it open.
      const last = this.last.get(mint);
      if (last?.tokenAccount) {
        book.set(last.tokenAccount, { mint, tokenAccount: last.tokenAccount, owner: last.owner, amount: last.amount, slot: last.slot });
        this.accountMint.set(last.tokenAccount, mint);
      }
    }
    return book;
  }

  private apply(o: TokenObservation, source: OwnershipSource): void {
    if (!observe(this.bookOf(o.mint), o)) return;
    this.dirty.set(o.mint, source);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, 5);
  }

  private offer(mint: string, next: Published, source: OwnershipSource, out: OwnershipChange[], burned = false): void {
    if (!shouldPublish(this.last.get(mint), next, burned)) return;
    this.last.set(mint, next);
    out.push({
      mint,
      owner: next.owner,
      tokenAccount: next.tokenAccount,
      amount: Number(next.amount),
      slot: next.slot,
      commitment: next.commitment,
      source,
      observedAt: this.now(),
    });
  }

  /** Decides every dirty mint now (synchronously, so decisions are in order) and queues the send. */
  flush(): Promise<void> {
    const out: OwnershipChange[] = [];
    for (const [mint, source] of this.dirty) {
      const holding = holdingAt(this.books.get(mint)?.values() ?? []);
      if (holding) this.offer(mint, { ...holding, commitment: 'confirmed' }, source, out);
    }
    this.dirty.clear();
    return this.send(out);
  }

  private send(out: OwnershipChange[]): Promise<void> {
    if (out.length === 0) return this.sending;
    this.sending = this.sending.then(async () => {
      if (this.failure) return;
      try {
        await this.deps.sink.send(out);
        for (const r of out) this.deps.metrics.published.inc({ commitment: r.commitment, source: r.source });
      } catch (err) {
        // The in-memory "last published" is now ahead of the topic; only a restart from the topic
        // can make them agree again, so the leader stops here.
        this.failure = err as Error;
        this.deps.logger.error({ err, records: out.length }, 'publishing to chain.ownership failed; leadership must be given up');
      }
    });
    return this.sending;
  }

  async idle(): Promise<void> {
    if (this.mintChangeTimer) await this.checkMintChanges();
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      await this.flush();
    }
    await this.backfilling;
    await this.sending;
  }
}
