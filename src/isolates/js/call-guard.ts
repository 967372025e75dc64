// Per-call CPU limits for QuickJS: a wall-clock deadline and a budget of interrupt polls, checked by the
// runtime's interrupt handler. Once tripped it stays tripped, so guest try/catch cannot swallow the kill.

/** QuickJS polls the interrupt handler about once per this many bytecode "ticks" (calls and jumps). */
export const TICKS_PER_POLL = 10_000;

export type KillReason = 'Timeout' | 'InstructionLimit';

export class CallGuard {
  private deadline = Number.POSITIVE_INFINITY;
  private budget = Number.POSITIVE_INFINITY;
  private polls = 0;
  private timeoutMs = 0;
  private instructions = 0;
  killed: KillReason | undefined;

  /** Arms the guard for one call. */
  arm(deadline: number, timeoutMs: number, instructions: number): void {
    this.deadline = deadline;
    this.timeoutMs = timeoutMs;
    this.instructions = instructions;
    this.budget = Math.max(1, Math.ceil(instructions / TICKS_PER_POLL));
    this.polls = 0;
    this.killed = undefined;
  }

  /** Disarms between calls (host-side work on the runtime is never interrupted). */
  disarm(): void {
    this.deadline = Number.POSITIVE_INFINITY;
    this.budget = Number.POSITIVE_INFINITY;
    this.killed = undefined;
  }

  /** The interrupt handler: true interrupts the guest. */
  readonly shouldInterrupt = (): boolean => {
    if (this.killed) return true;
    this.polls += 1;
    if (this.polls > this.budget) this.killed = 'InstructionLimit';
    else if (Date.now() > this.deadline) this.killed = 'Timeout';
    return this.killed !== undefined;
  };

  /** True once the deadline has passed, even if the guest has not been polled since. */
  expired(): boolean {
    if (!this.killed && Date.now() > this.deadline) this.killed = 'Timeout';
    return this.killed !== undefined;
  }

  message(): string {
    return this.killed === 'InstructionLimit'
      ? `exceeded the instruction budget (${this.instructions} instructions, ~${this.budget} interrupt polls)`
      : `exceeded the ${this.timeoutMs} ms deadline`;
  }
}
