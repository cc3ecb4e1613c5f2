// What a Node application writes: plain JavaScript, run by node without a TypeScript loader,
// importing chainsync by its name. It requests a mint inside its own transaction and prints what
// it got, with the file the package name resolved to.
import { Keypair, PublicKey } from '@solana/web3.js';
import { createOpsApi, createPool, createTicket, withTransaction } from 'chainsync';

const { DATABASE_URL, CHAINSYNC_AUTHORITY, TICKET_ID } = process.env;
const pool = createPool(DATABASE_URL, { warn: (_fields, message) => console.error(message) });
try {
  const ops = createOpsApi({ authority: new PublicKey(CHAINSYNC_AUTHORITY) });
  const to = Keypair.generate().publicKey.toBase58();
  const op = await withTransaction(pool, async (tx) => {
    await createTicket(tx, { id: TICKET_ID, eventId: 'package-import' });
    return ops.requestMint(tx, { ticketId: TICKET_ID, to, idempotencyKey: `mint-${TICKET_ID}` });
  });
  console.log(JSON.stringify({ resolved: import.meta.resolve('chainsync'), to, op }));
} finally {
  await pool.end();
}
