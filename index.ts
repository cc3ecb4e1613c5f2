// The package's public API: what an application calls inside its own database transaction.
export { createOpsApi, retryOperation, type OpsApi, type RequestedOperation, type RetryRequest, type RetryResult } from './api/operations.ts';
export { createTicket, registerCustodialWallet } from './api/tickets.ts';
export { IdempotencyConflictError, type BurnRequest, type MintRequest, type TransferRequest, type OperationType } from './api/requests.ts';
export { InvalidInputError } from './services/lib/errors.ts';
export { withTransaction, createPool } from './services/lib/db.ts';
export { mintAddressFor } from './services/lib/solana/mint-address.ts';
export { custodialKeypair } from './services/lib/solana/keys.ts';
