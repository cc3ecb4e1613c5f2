// LiteSVM's error objects to the JSON the real RPC returns (serde's externally tagged enums), and
// whether a failed transaction still lands in a block (fee charged, status recorded) or is
// rejected before execution and never appears on chain.

// Order of litesvm's TransactionErrorFieldless / InstructionErrorFieldless const enums (internal.d.ts).
const TX_ERRORS = [
  'AccountInUse',
  'AccountLoadedTwice',
  'AccountNotFound',
  'ProgramAccountNotFound',
  'InsufficientFundsForFee',
  'InvalidAccountForFee',
  'AlreadyProcessed',
  'BlockhashNotFound',
  'CallChainTooDeep',
  'MissingSignatureForFee',
  'InvalidAccountIndex',
  'SignatureFailure',
  'InvalidProgramForExecution',
  'SanitizeFailure',
  'ClusterMaintenance',
  'AccountBorrowOutstanding',
  'WouldExceedMaxBlockCostLimit',
  'UnsupportedVersion',
  'InvalidWritableAccount',
  'WouldExceedMaxAccountCostLimit',
  'WouldExceedAccountDataBlockLimit',
  'TooManyAccountLocks',
  'AddressLookupTableNotFound',
  'InvalidAddressLookupTableOwner',
  'InvalidAddressLookupTableData',
  'InvalidAddressLookupTableIndex',
  'InvalidRentPayingAccount',
  'WouldExceedMaxVoteCostLimit',
  'WouldExceedAccountDataTotalLimit',
  'MaxLoadedAccountsDataSizeExceeded',
  'ResanitizationNeeded',
  'InvalidLoadedAccountsDataSizeLimit',
  'UnbalancedTransaction',
  'ProgramCacheHitMaxLimit',
  'CommitCancelled',
] as const;

const IX_ERRORS = [
  'GenericError',
  'InvalidArgument',
  'InvalidInstructionData',
  'InvalidAccountData',
  'AccountDataTooSmall',
  'InsufficientFunds',
  'IncorrectProgramId',
  'MissingRequiredSignature',
  'AccountAlreadyInitialized',
  'UninitializedAccount',
  'UnbalancedInstruction',
  'ModifiedProgramId',
  'ExternalAccountLamportSpend',
  'ExternalAccountDataModified',
  'ReadonlyLamportChange',
  'ReadonlyDataModified',
  'DuplicateAccountIndex',
  'ExecutableModified',
  'RentEpochModified',
  'NotEnoughAccountKeys',
  'AccountDataSizeChanged',
  'AccountNotExecutable',
  'AccountBorrowFailed',
  'AccountBorrowOutstanding',
  'DuplicateAccountOutOfSync',
  'InvalidError',
  'ExecutableDataModified',
  'ExecutableLamportChange',
  'ExecutableAccountNotRentExempt',
  'UnsupportedProgramId',
  'CallDepth',
  'MissingAccount',
  'ReentrancyNotAllowed',
  'MaxSeedLengthExceeded',
  'InvalidSeeds',
  'InvalidRealloc',
  'ComputationalBudgetExceeded',
  'PrivilegeEscalation',
  'ProgramEnvironmentSetupFailure',
  'ProgramFailedToComplete',
  'ProgramFailedToCompile',
  'Immutable',
  'IncorrectAuthority',
  'AccountNotRentExempt',
  'InvalidAccountOwner',
  'ArithmeticOverflow',
  'UnsupportedSysvar',
  'IllegalOwner',
  'MaxAccountsDataAllocationsExceeded',
  'MaxAccountsExceeded',
  'MaxInstructionTraceLengthExceeded',
  'BuiltinProgramsMustConsumeComputeUnits',
  'BorshIoError',
] as const;

export type TxErrorJson = string | Record<string, unknown>;

function instructionErrorJson(err: unknown): unknown {
  if (typeof err === 'number') return IX_ERRORS[err] ?? 'GenericError';
  const o = err as { constructor?: { name?: string }; code?: number; msg?: string };
  if (typeof o.code === 'number') return { Custom: o.code };
  if (typeof o.msg === 'string') return { BorshIoError: o.msg };
  return 'GenericError';
}

/** Accepts whatever `FailedTransactionMetadata.err()` returns. */
export function txErrorJson(err: unknown): TxErrorJson {
  if (typeof err === 'number') return TX_ERRORS[err] ?? 'SanitizeFailure';
  const o = err as { constructor?: { name?: string }; index?: number; accountIndex?: number; err?: () => unknown };
  const name = o.constructor?.name ?? '';
  if (typeof o.err === 'function') return { InstructionError: [o.index ?? 0, instructionErrorJson(o.err())] };
  if (name.includes('DuplicateInstruction')) return { DuplicateInstruction: o.index ?? 0 };
  if (name.includes('InsufficientFundsForRent')) return { InsufficientFundsForRent: { account_index: o.accountIndex ?? 0 } };
  if (name.includes('ProgramExecutionTemporarilyRestricted')) {
    return { ProgramExecutionTemporarilyRestricted: { account_index: o.accountIndex ?? 0 } };
  }
  return 'SanitizeFailure';
}

/** Errors raised while executing instructions: the fee is charged and the status is recorded. */
export function landsOnChain(err: TxErrorJson | null): boolean {
  if (err === null) return true;
  if (typeof err === 'string') return false;
  return 'InstructionError' in err || 'InsufficientFundsForRent' in err || 'ProgramExecutionTemporarilyRestricted' in err;
}

const MESSAGES: Record<string, string> = {
  BlockhashNotFound: 'Blockhash not found',
  AlreadyProcessed: 'This transaction has already been processed',
  AccountNotFound: 'Attempt to debit an account but found no record of a prior credit.',
  InsufficientFundsForFee: 'Insufficient funds for fee',
  SignatureFailure: 'Transaction did not pass signature verification',
};

/** The human text the real node puts after "Transaction simulation failed: ". */
export function describeTxError(err: TxErrorJson): string {
  if (typeof err === 'string') return MESSAGES[err] ?? err;
  const ix = err.InstructionError as [number, unknown] | undefined;
  if (ix) {
    const [index, inner] = ix;
    const detail =
      typeof inner === 'object' && inner !== null && 'Custom' in inner
        ? `custom program error: 0x${(inner as { Custom: number }).Custom.toString(16)}`
        : String(typeof inner === 'string' ? inner : JSON.stringify(inner));
    return `Error processing Instruction ${index}: ${detail}`;
  }
  const rent = err.InsufficientFundsForRent as { account_index: number } | undefined;
  if (rent) return `Transaction results in an account (${rent.account_index}) with insufficient funds for rent`;
  return JSON.stringify(err);
}
