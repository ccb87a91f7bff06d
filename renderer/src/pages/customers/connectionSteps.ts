import type { CustomerTest } from '../../../../shared/contract';

/** The three checks of a connection test, in the order the engine makes them. */
export const STEPS = ['reachable', 'authenticated', 'canPush'] as const;
export type Step = (typeof STEPS)[number];

/** `skipped`: an earlier step failed, so this one could not be checked. */
export type StepState = 'ok' | 'failed' | 'skipped';

/** Each step's state: passed up to the first failure, which is the cause; the rest unknown. */
export function stepStates(result: CustomerTest): Record<Step, StepState> {
  const states = {} as Record<Step, StepState>;
  let stopped = false;
  for (const step of STEPS) {
    if (stopped) states[step] = 'skipped';
    else if (result[step]) states[step] = 'ok';
    else {
      states[step] = 'failed';
      stopped = true;
    }
  }
  return states;
}

/** The step a test stopped at, or null when all passed. */
export function failedStep(result: CustomerTest): Step | null {
  const states = stepStates(result);
  return STEPS.find((step) => states[step] === 'failed') ?? null;
}
