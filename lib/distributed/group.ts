/**
 * Process groups: the default one (`group` omitted) and those made by `newGroup`
 * (`torch.distributed.new_group`), and how a collective's `group` option and its rank arguments
 * are resolved. As in PyTorch, rank arguments (`src`, `dst`) are ranks of the default group
 * ("global ranks") also when a subgroup is given; the group's own numbering is `group.rank()`.
 */
import { nativeDistributed as nd } from './backend.js';
import { describe } from '../dtype.js';
import { argMessage, expectInt, expectNonNegInt } from '../errors.js';

/**
 * A subgroup of the default process group, made by {@link newGroup} (`torch.distributed.ProcessGroup`).
 * Pass it as the `group` option of any collective. On ranks outside it (PyTorch's
 * `GroupMember.NON_GROUP_MEMBER`) collectives given it do nothing and resolve at once, as in PyTorch.
 * `destroyProcessGroup()` ends every group: a collective given one afterwards throws.
 */
export class ProcessGroup {
  /** The addon's id of the group; -1 on ranks outside it. @internal */
  readonly id: number;
  /** The members: ranks of the default group, ascending. */
  readonly ranks: readonly number[];

  /** @internal */
  constructor(id: number, ranks: readonly number[]) {
    // Made by newGroup(); checked because the class is reachable as distributed.ProcessGroup.
    expectInt(id, 'ProcessGroup: id');
    if (!Array.isArray(ranks)) throw new TypeError(argMessage('an array of ranks', 'ProcessGroup: ranks', ranks));
    ranks.forEach((r, i) => expectNonNegInt(r, `ProcessGroup: ranks[${i}]`));
    this.id = id;
    this.ranks = Object.freeze([...ranks]);
  }

  /** This process's rank in the group (`get_rank(group)`): -1 when it is not a member. */
  rank(): number {
    return this.id < 0 ? -1 : this.ranks.indexOf(nd.getRank());
  }

  /** Number of members (`get_world_size(group)`). */
  size(): number {
    return this.ranks.length;
  }

  /** Whether this process is a member (`group != GroupMember.NON_GROUP_MEMBER`). */
  isMember(): boolean {
    return this.id >= 0;
  }
}

/** The `group` option of the collectives. */
export interface GroupOption {
  /** The group to run on (from {@link newGroup}); default: the default group. */
  group?: ProcessGroup | null;
}

/** A collective's group, resolved. @internal */
export interface ResolvedGroup {
  /** The addon's id (0: the default group). */
  id: number;
  /** Members as global ranks (the default group: 0..worldSize-1). */
  ranks: readonly number[];
  /** This process's rank in the group. */
  rank: number;
  /** False on ranks outside a subgroup: the collective is a no-op there. */
  member: boolean;
}

/** The default group, or `group` checked. Call after requireGroup. @internal */
export function resolveGroup(group: unknown, fn: string): ResolvedGroup {
  if (group === undefined || group === null) {
    const world = nd.getWorldSize();
    return { id: 0, ranks: Array.from({ length: world }, (_, i) => i), rank: nd.getRank(), member: true };
  }
  if (!(group instanceof ProcessGroup)) {
    throw new TypeError(`${fn}: Expected a ProcessGroup (from distributed.newGroup) for group but received ${describe(group)}`);
  }
  return { id: group.id, ranks: group.ranks, rank: group.rank(), member: group.isMember() };
}

/**
 * The group rank of global rank `r` (a `what` argument: src, dst), with PyTorch's rule that it must
 * be a member; range errors name the valid ranks. @internal
 */
export function groupRankOf(g: ResolvedGroup, r: unknown, what: string, fn: string): number {
  const global = (() => {
    try {
      return expectNonNegInt(r, what);
    } catch (e) {
      throw new TypeError(`${fn}: ${(e as Error).message}`);
    }
  })();
  const i = g.ranks.indexOf(global);
  if (i < 0) {
    if (g.id === 0) throw new RangeError(`${fn}: ${what} ${global} is not a rank of this group (expected 0..${g.ranks.length - 1})`);
    throw new RangeError(`${fn}: ${what} ${global} is not a member of the group (its ranks: ${g.ranks.join(', ')})`);
  }
  return i;
}
