// Every kind of fault the campaign injects, and the shape of one injected fault. A kind names one
// target (a service, a stack part, a chain fault) so "every kind at least once" means every
// target was hit.

/** The pipeline's services, each a consumer of at least one Kafka group. */
export const SERVICES = ['submitter', 'chain-ingest', 'projector', 'reconciler'] as const;
export type Service = (typeof SERVICES)[number];

/** Parts of the local stack taken down and brought back. One is down at a time. */
export const STACK_PARTS = ['kafka', 'connect', 'postgres', 'registry'] as const;
export type StackPart = (typeof STACK_PARTS)[number];

/** The local chain's faults (services/localnet/admin.ts, POST /admin/faults). */
export const CHAIN_FAULTS = ['ws-cut', 'drop-transactions', 'rpc-delay', 'fail-method', 'slot-stall', 'fork'] as const;
export type ChainFault = (typeof CHAIN_FAULTS)[number];

export type FaultKind = `sigkill:${Service}` | `sigstop:${Service}` | `outage:${StackPart}` | `chain:${ChainFault}`;

export const FAULT_KINDS: readonly FaultKind[] = [
  ...SERVICES.map((s) => `sigkill:${s}` as const),
  ...SERVICES.map((s) => `sigstop:${s}` as const),
  ...STACK_PARTS.map((p) => `outage:${p}` as const),
  ...CHAIN_FAULTS.map((c) => `chain:${c}` as const),
];

/** RPC methods the pipeline calls, so a delayed or failing one is met. */
export const RPC_METHODS = ['sendTransaction', 'getSignatureStatuses', 'getLatestBlockhash', 'getMultipleAccounts', 'getSlot', 'getBlockHeight'] as const;

/** One injected fault with what it needs to be applied. */
export type Fault =
  | { kind: `sigkill:${Service}`; service: Service; instance: number }
  /** SIGSTOP, then SIGCONT after `ms`: longer than the consumer session, so the group drops the member. */
  | { kind: `sigstop:${Service}`; service: Service; instance: number; ms: number }
  /** Down for `ms`: Kafka and Connect killed, Postgres stopped with -m immediate, the registry stopped; then started. */
  | { kind: `outage:${StackPart}`; part: StackPart; ms: number }
  /** Open WebSockets closed and new ones refused for `refuseMs`. */
  | { kind: 'chain:ws-cut'; refuseMs: number }
  /** The next `count` transactions naming the campaign's wallet number `wallet` are accepted and forgotten, for `ms` at most. */
  | { kind: 'chain:drop-transactions'; wallet: number; count: number; ms: number }
  /** For `ms`, every call of `method` is answered `delayMs` late: past the blockhash's lifetime. */
  | { kind: 'chain:rpc-delay'; method: string; delayMs: number; ms: number }
  /** For `ms`, the next `count` calls of `method` fail. */
  | { kind: 'chain:fail-method'; method: string; count: number; ms: number }
  /** No new slots for `ms`. */
  | { kind: 'chain:slot-stall'; ms: number }
  /** The unconfirmed blocks abandoned. */
  | { kind: 'chain:fork' };

export const isFaultKind = (s: string): s is FaultKind => (FAULT_KINDS as readonly string[]).includes(s);
