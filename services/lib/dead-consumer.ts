// A kafkajs consumer can die while the process lives on: kafkajs gives up on it (a crash with
// `restart: false`: a programming error in a handler, an error Kafka calls non-retriable), or
// restarts it again and again without it ever getting back into its group (its topic was
// deleted: every restart fails at the first metadata request, a few hundred ms apart, forever).
// Either way nothing is consumed any more, so the process must end and be restarted.
import type { Consumer } from 'kafkajs';
import type { Logger } from './logger.ts';

/**
 * kafkajs restarts in a row, with no group join in between, after which the consumer counts as
 * dead. A deleted topic reaches it in seconds; a broker outage (each restart first spends ~10 s
 * on its connection retries) in a couple of minutes, after which a supervisor's restart is no
 * worse than kafkajs's. A consumer that gets back into its group starts counting again.
 */
export const RESTARTS_WITHOUT_JOIN = 10;

export class DeadConsumerError extends Error {
  constructor(
    readonly consumer: string,
    readonly groupId: string,
    reason: string,
    cause: unknown,
  ) {
    super(`consumer ${consumer} (group ${groupId}) is dead: ${reason}`, { cause });
    this.name = 'DeadConsumerError';
  }
}

export interface DeadConsumerOptions {
  /** Which consumer, for the log line and the error. */
  name: string;
  logger: Logger;
  /** Called once when the consumer is dead; main.ts's lifecycle shuts the process down. Tests running a consumer in-process may leave it out (the death is then only logged). */
  onDead?: (err: DeadConsumerError) => void;
  restartsWithoutJoin?: number;
}

/** Watches `consumer` (before it runs) and reports its death once; `dead()` says whether it died. */
export function failOnDeadConsumer(consumer: Pick<Consumer, 'on' | 'events'>, o: DeadConsumerOptions): { dead: () => boolean } {
  const limit = o.restartsWithoutJoin ?? RESTARTS_WITHOUT_JOIN;
  let restarts = 0;
  let dead = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    restarts = 0;
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (dead) return;
    const log = { err: payload.error, consumer: o.name, groupId: payload.groupId };
    if (payload.restart && ++restarts < limit) {
      o.logger.warn({ ...log, restarts }, 'consumer crashed; kafkajs restarts it');
      return;
    }
    dead = true;
    const reason = payload.restart ? `restarted ${restarts} times without getting back into its group` : 'kafkajs will not restart it';
    o.logger.error({ ...log, reason }, 'consumer is dead');
    o.onDead?.(new DeadConsumerError(o.name, payload.groupId, reason, payload.error));
  });
  return { dead: () => dead };
}
