/**
 * What a stop signal means given when the first one came. One Ctrl-C in a terminal reaches a
 * process more than once: the terminal signals the whole foreground process group, and npm and
 * tsx relay the same signal to their child a moment later. Taken literally, that second copy
 * would be "the user pressed Ctrl-C again: force it" and would kill a graceful shutdown at once.
 * So a repeat within `windowMs` of the first is the same Ctrl-C; a later one forces.
 */
export type SignalAction = 'graceful' | 'duplicate' | 'force';

export const REPEATED_SIGNAL_WINDOW_MS = 500;

export function signalAction(firstAt: number | undefined, now: number, windowMs = REPEATED_SIGNAL_WINDOW_MS): SignalAction {
  if (firstAt === undefined) return 'graceful';
  return now - firstAt < windowMs ? 'duplicate' : 'force';
}

/** Stateful wrapper for a signal handler: remembers when the first signal came. */
export function signalCounter(now: () => number = Date.now, windowMs = REPEATED_SIGNAL_WINDOW_MS): () => SignalAction {
  let firstAt: number | undefined;
  return () => {
    const t = now();
    const action = signalAction(firstAt, t, windowMs);
    firstAt ??= t;
    return action;
  };
}
