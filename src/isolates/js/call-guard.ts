// Per-call limits for QuickJS checked by the runtime's interrupt handler: a wall-clock deadline, a budget of
// interrupt polls, and live memory. Once tripped it stays tripped, so guest try/catch cannot swallow the kill.

/** QuickJS polls the interrupt handler about once per this many bytecode "ticks" (calls and jumps). */
export const TICKS_PER_POLL = 10_000;

export type KillReason = 'Timeout' | 'InstructionLimit' | 'MemoryLimit';

/**
 * How the guard watches memory. QuickJS's own limit (setMemoryLimit) only sees large single allocations
 * under Emscripten (its malloc accounting does not count small blocks: measured, 50,000 live 2 KB buffers
 * passed a 16 MB cap), so the guard measures the runtime's live memory itself: whenever the WebAssembly heap
 * has grown since the last look, and otherwise every few polls, spaced by how long a measurement takes.
 * Reusing free heap never grows it, so a call can get at most one heap's worth of slack past the cap.
 */
export interface MemoryProbe {
  readonly capBytes: number;
  /** Current size of the WebAssembly heap (cheap). */
  heapBytes(): number;
  /** Bytes the runtime's objects use now (walks the heap: costly on big heaps). */
  usedBytes(): number;
}

/** Polls between two memory measurements when the heap did not grow: base + cost of the last one. */
const MEMORY_CHECK_MIN_POLLS = 8;
const MEMORY_CHECK_MAX_POLLS = 256;
const MEMORY_CHECK_POLLS_PER_MS = 8;

export class CallGuard {
  private deadline = Number.POSITIVE_INFINITY;
  private budget = Number.POSITIVE_INFINITY;
  private polls = 0;
  private timeoutMs = 0;
  private instructions = 0;
  private memory: MemoryProbe | undefined;
  private lastHeap = 0;
  private nextMemoryCheck = 0;
  private usedAtKill = 0;
  killed: KillReason | undefined;

  /** Arms the guard for one call. */
  arm(deadline: number, timeoutMs: number, instructions: number, memory?: MemoryProbe): void {
    this.deadline = deadline;
    this.timeoutMs = timeoutMs;
    this.instructions = instructions;
    this.budget = Math.max(1, Math.ceil(instructions / TICKS_PER_POLL));
    this.polls = 0;
    this.killed = undefined;
    this.memory = memory;
    this.lastHeap = memory ? memory.heapBytes() : 0;
    this.nextMemoryCheck = MEMORY_CHECK_MIN_POLLS;
    this.usedAtKill = 0;
  }

  /** Disarms between calls (host-side work on the runtime is never interrupted). */
  disarm(): void {
    this.deadline = Number.POSITIVE_INFINITY;
    this.budget = Number.POSITIVE_INFINITY;
    this.killed = undefined;
    this.memory = undefined;
  }

  /** The interrupt handler: true interrupts the guest. */
  readonly shouldInterrupt = (): boolean => {
    if (this.killed) return true;
    this.polls += 1;
    if (this.polls > this.budget) this.killed = 'InstructionLimit';
    else if (Date.now() > this.deadline) this.killed = 'Timeout';
    else if (this.memory && this.overMemory(this.memory)) this.killed = 'MemoryLimit';
    return this.killed !== undefined;
  };

  /** Measures live memory when the heap grew or the next periodic check is due. */
  private overMemory(probe: MemoryProbe): boolean {
    const heap = probe.heapBytes();
    if (heap <= this.lastHeap && this.polls < this.nextMemoryCheck) return false;
    this.lastHeap = Math.max(this.lastHeap, heap);
    const t0 = performance.now();
    const used = probe.usedBytes();
    const costMs = performance.now() - t0;
    this.nextMemoryCheck =
      this.polls + Math.min(MEMORY_CHECK_MAX_POLLS, MEMORY_CHECK_MIN_POLLS + Math.ceil(costMs * MEMORY_CHECK_POLLS_PER_MS));
    if (used <= probe.capBytes) return false;
    this.usedAtKill = used;
    return true;
  }

  /** True once the deadline has passed, even if the guest has not been polled since. */
  expired(): boolean {
    if (!this.killed && Date.now() > this.deadline) this.killed = 'Timeout';
    return this.killed !== undefined;
  }

  message(): string {
    if (this.killed === 'MemoryLimit') {
      const mb = (n: number): string => (n / (1024 * 1024)).toFixed(1);
      return `exceeded the memory limit (${mb(this.usedAtKill)} MB in use, limit ${mb(this.memory?.capBytes ?? 0)} MB)`;
    }
    return this.killed === 'InstructionLimit'
      ? `exceeded the instruction budget (${this.instructions} instructions, ~${this.budget} interrupt polls)`
      : `exceeded the ${this.timeoutMs} ms deadline`;
  }
}
