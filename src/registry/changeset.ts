// A changeset under construction: create/update/delete ops on one base version, chainable.
// Ops are recorded as given; the registry copies, validates and authorizes them when applied.
import type { Entry } from '../../schemas/entry.js';
import type { ChangeOp, Changeset } from './types.js';

export class ChangesetBuilder implements Changeset {
  readonly baseVersion: number;
  private readonly list: ChangeOp[] = [];

  constructor(baseVersion: number) {
    this.baseVersion = baseVersion;
  }

  create(entry: Entry): Changeset {
    this.list.push({ op: 'create', entry });
    return this;
  }

  update(entry: Entry): Changeset {
    this.list.push({ op: 'update', entry });
    return this;
  }

  delete(id: string): Changeset {
    this.list.push({ op: 'delete', id });
    return this;
  }

  ops(): readonly ChangeOp[] {
    return Object.freeze([...this.list]);
  }
}
