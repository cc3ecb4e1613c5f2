// The snapshot file is assembled from cached per-transaction JSON; it must stay JSON.stringify's UTF-8.
import { afterAll, expect, test } from 'vitest';
import { snapshotFile, snapshotBytes } from './snapshot.ts';
import { fundedKeypair, startTestLocalnet } from './testing.ts';

const { net, conn } = await startTestLocalnet();
afterAll(() => net.stop());

test('snapshotBytes is JSON.stringify of the file, before and after its records are cached', async () => {
  await fundedKeypair(net, conn);
  const first = snapshotFile(net.chain.svm, net.chain.state);
  expect(first.txs.length).toBeGreaterThan(0);
  expect(snapshotBytes(first).equals(Buffer.from(JSON.stringify(first)))).toBe(true);
  await fundedKeypair(net, conn);
  const second = snapshotFile(net.chain.svm, net.chain.state);
  expect(second.txs.length).toBeGreaterThan(first.txs.length);
  expect(snapshotBytes(second).equals(Buffer.from(JSON.stringify(second)))).toBe(true);
});
