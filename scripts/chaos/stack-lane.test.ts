import { describe, expect, it } from 'vitest';
import { StackLane } from './stack-lane.ts';

describe('the stack lane', () => {
  it('starts an outage only once the one before it has left, and refuses one that is too late by then', async () => {
    let clock = 0;
    const now = () => clock;
    const lane = new StackLane();
    expect(await lane.enter(1, 100, now)).toBe(true);
    const order: string[] = [];
    const second = lane.enter(2, 100, now).then((ok) => order.push(`2:${ok}`));
    const third = lane.enter(3, 50, now).then((ok) => order.push(`3:${ok}`));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    clock = 60;
    lane.leave(1);
    await second;
    expect(order).toEqual(['2:true']);
    lane.leave(2);
    await third;
    expect(order).toEqual(['2:true', '3:false']);
    // A refused outage holds nothing: the next one goes straight in.
    expect(await lane.enter(4, 100, now)).toBe(true);
  });
});
