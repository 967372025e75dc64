// Process identifiers in the Wippy/Erlang style: "<node.n>", unique within one supervisor.
// Node 0 is this supervisor; numbers are never reused while it lives.

export type Pid = string;

export class PidAllocator {
  #next = 1;
  constructor(private readonly node = 0) {}
  next(): Pid {
    return `<${this.node}.${this.#next++}>`;
  }
}
