// What a failed RPC call or transaction means for the submitter: try the same thing again, give
// up for good, or reject the input. Pure: it reads a plain description of the failure, so the
// rules are property-tested without a network.

export type FailureKind = 'retryable' | 'permanent' | 'invalid_input' | 'unknown';

/** A failure as observed: any of the fields may be missing. */
export interface FailureInfo {
  /** HTTP status of the RPC response, when the transport reached the server. */
  httpStatus?: number;
  /** JSON-RPC error code. */
  rpcCode?: number;
  /** Node error code (ECONNRESET …) or DOMException name (TimeoutError). */
  networkCode?: string;
  /** The transaction error JSON (preflight `data.err`, or a landed transaction's `err`). */
  txErr?: unknown;
  message?: string;
}

export interface Classification {
  kind: FailureKind;
  reason: string;
  /** The blockhash was unknown to the node: only the expiry path (invariant 3) may re-sign. */
  blockhashNotFound?: boolean;
  /** The node has already processed these exact bytes: look the signature up, do not resend. */
  alreadyProcessed?: boolean;
}

const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'TimeoutError',
  'AbortError',
]);

const NETWORK_CODE_IN_TEXT = new RegExp(`\\b(${[...RETRYABLE_NETWORK].join('|')})\\b`);

// Agave's server-side codes that say "this node, now" rather than "this request".
const RETRYABLE_RPC = new Set([-32603, -32004, -32005, -32007, -32009, -32014, -32016, -32015]);
const SEND_PREFLIGHT_FAILURE = -32002;
const SIGNATURE_VERIFICATION_FAILURE = -32003;
const INVALID_PARAMS = -32602;
const INVALID_REQUEST = -32600;

/** SPL Token program error codes (token/program/src/error.rs) worth a readable name. */
const TOKEN_ERRORS: Record<number, string> = {
  0: 'not rent exempt',
  1: 'insufficient funds',
  2: 'invalid mint',
  3: 'mint mismatch',
  4: 'owner does not match',
  5: 'fixed supply',
  6: 'already in use',
  11: 'account frozen',
  17: 'account frozen',
};

// Transaction errors that say the chain may accept the same bytes later.
const RETRYABLE_TX = new Set([
  'AccountInUse',
  'AlreadyProcessed',
  'WouldExceedMaxBlockCostLimit',
  'WouldExceedMaxAccountCostLimit',
  'WouldExceedAccountDataBlockLimit',
  'TooManyAccountLocks',
  'ClusterMaintenance',
]);

function describeTxErr(txErr: unknown): string {
  if (typeof txErr === 'string') return txErr;
  const ie = (txErr as { InstructionError?: unknown })?.InstructionError;
  if (Array.isArray(ie) && ie.length === 2) {
    const [index, inner] = ie as [unknown, unknown];
    const custom = (inner as { Custom?: unknown })?.Custom;
    if (typeof custom === 'number') {
      const name = TOKEN_ERRORS[custom];
      return `instruction ${String(index)} failed with custom program error ${custom}${name ? ` (token: ${name}; system: ${custom === 0 ? 'account already in use' : 'see program'})` : ''}`;
    }
    return `instruction ${String(index)} failed: ${JSON.stringify(inner)}`;
  }
  return JSON.stringify(txErr);
}

/** Classifies a transaction error JSON (from preflight or from a landed transaction). */
export function classifyTxError(txErr: unknown): Classification {
  const reason = describeTxErr(txErr);
  if (txErr === 'BlockhashNotFound') return { kind: 'retryable', reason: 'blockhash not found', blockhashNotFound: true };
  if (txErr === 'AlreadyProcessed') return { kind: 'retryable', reason: 'already processed', alreadyProcessed: true };
  if (typeof txErr === 'string' && RETRYABLE_TX.has(txErr)) return { kind: 'retryable', reason };
  if (txErr === 'SignatureFailure' || txErr === 'SanitizeFailure') return { kind: 'invalid_input', reason };
  // Insufficient funds (for fee or rent), wrong owners, custom program errors: the same
  // transaction fails the same way every time.
  return { kind: 'permanent', reason };
}

export function classifyFailure(f: FailureInfo): Classification {
  // An empty message would make an empty reason, and a DLQ record must always say why.
  const msg = f.message?.trim() ? f.message : 'unknown error';
  if (f.httpStatus !== undefined && f.httpStatus >= 400) {
    if (f.httpStatus === 429 || f.httpStatus === 408 || f.httpStatus >= 500) return { kind: 'retryable', reason: `HTTP ${f.httpStatus}` };
    return { kind: 'permanent', reason: `HTTP ${f.httpStatus}: ${msg}` };
  }
  if (f.networkCode !== undefined && RETRYABLE_NETWORK.has(f.networkCode)) return { kind: 'retryable', reason: `network: ${f.networkCode}` };
  if (f.rpcCode !== undefined) {
    if (f.rpcCode === SEND_PREFLIGHT_FAILURE && f.txErr !== undefined && f.txErr !== null) return classifyTxError(f.txErr);
    if (RETRYABLE_RPC.has(f.rpcCode)) return { kind: 'retryable', reason: `rpc ${f.rpcCode}: ${msg}` };
    if (f.rpcCode === SIGNATURE_VERIFICATION_FAILURE || f.rpcCode === INVALID_PARAMS || f.rpcCode === INVALID_REQUEST) {
      return { kind: 'invalid_input', reason: `rpc ${f.rpcCode}: ${msg}` };
    }
  }
  if (f.txErr !== undefined && f.txErr !== null) return classifyTxError(f.txErr);
  return { kind: 'unknown', reason: msg };
}

/** Reads what it can from whatever was thrown (fetch errors, RpcCallError, web3.js errors). */
export function failureInfo(err: unknown): FailureInfo {
  const out: FailureInfo = { message: err instanceof Error ? err.message : String(err) };
  const e = err as { code?: unknown; httpStatus?: unknown; txErr?: unknown; name?: unknown; cause?: { code?: unknown; name?: unknown } };
  if (typeof e?.httpStatus === 'number') out.httpStatus = e.httpStatus;
  if (typeof e?.code === 'number') out.rpcCode = e.code;
  if (typeof e?.code === 'string') out.networkCode = e.code;
  if (e?.txErr !== undefined) out.txErr = e.txErr;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') out.networkCode = e.name;
  const cause = e?.cause;
  if (out.networkCode === undefined && typeof cause?.code === 'string') out.networkCode = cause.code;
  if (out.networkCode === undefined && (cause?.name === 'TimeoutError' || cause?.name === 'AbortError')) out.networkCode = cause.name;
  // web3.js wraps a transport failure into a new Error with only its text ("failed to get recent
  // blockhash: Error: connect ECONNREFUSED …"): the code survives in the message alone.
  const codeInText = NETWORK_CODE_IN_TEXT.exec(out.message ?? '')?.[1];
  if (out.networkCode === undefined && codeInText) out.networkCode = codeInText;
  // web3.js reports a non-2xx HTTP answer only in its message ("429 Too Many Requests: …").
  const m = /^(\d{3}) [A-Za-z]/.exec(out.message ?? '');
  if (out.httpStatus === undefined && m) out.httpStatus = Number(m[1]);
  return out;
}
