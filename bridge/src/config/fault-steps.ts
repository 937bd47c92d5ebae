// FAULT_PAUSE_AT's values: the steps of a message's way where observability/fault-points.ts can stop it.

/**
 * `after-commit`: stored, Synapse not answered; `after-answer`: answered, nothing emitted or
 * queued; `after-emit`: emitted, pushes not queued.
 */
export const FAULT_STEPS = ['after-commit', 'after-answer', 'after-emit'] as const;
export type FaultStep = (typeof FAULT_STEPS)[number];
