// Seeding for tests, the benchmark and the demo: NFTs written straight into the local chain
// (its admin endpoint, no transactions) and matching ticket rows written straight into Postgres.
import type { Queryable } from '../../services/lib/db.ts';

export interface Holding {
  mint: string;
  owner: string;
  /** The owner's associated token account when left out. */
  tokenAccount?: string;
}

/** POST /admin/seed on the local chain (localnet only), in batches so each request stays small. */
export async function seedChain(rpcUrl: string, holdings: readonly Holding[], batch = 5_000): Promise<void> {
  const url = new URL('/admin/seed', rpcUrl);
  for (let i = 0; i < holdings.length; i += batch) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ holdings: holdings.slice(i, i + batch) }),
    });
    if (!res.ok) throw new Error(`seeding the local chain failed: HTTP ${res.status} ${await res.text()}`);
  }
}

/** Minted tickets owned as the chain says, inserted set-based. */
export async function seedTickets(
  client: Queryable,
  rows: ReadonlyArray<{ ticketId: string; eventId: string; mint: string; owner: string | null }>,
): Promise<void> {
  const batch = 20_000;
  for (let i = 0; i < rows.length; i += batch) {
    const part = rows.slice(i, i + batch);
    await client.query(
      `INSERT INTO tickets (id, event_id, mint_address, owner_wallet, status)
       SELECT id, ev, mint, owner, 'minted' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(id, ev, mint, owner)`,
      [part.map((r) => r.ticketId), part.map((r) => r.eventId), part.map((r) => r.mint), part.map((r) => r.owner)],
    );
  }
}
