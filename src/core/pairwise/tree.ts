import type { Project } from './types.ts';

/** The children of one parent: the projects a juror compares with each other. */
export interface SiblingGroup {
  /** The parent project's id; null for the round's root. */
  parent: string | null;
  /** Positions in the round's `projects`, ordered by project id, so that no result depends on the file's order. */
  members: number[];
}

/** The projects as a tree: sibling groups, and where each project sits. */
export interface ProjectTree {
  /** Root's children first, then breadth first, each level's parents by id: every parent comes before its children. */
  groups: SiblingGroup[];
  /** Per project: its group and its position among the group's members. */
  groupOf: Int32Array;
  slotOf: Int32Array;
  /** Per project: the group of its children, -1 for a leaf. */
  childGroup: Int32Array;
  /** Position of each project in `projects`, by id. */
  index: Map<string, number>;
}

const byId = (projects: readonly Project[]) => (x: number, y: number) => (projects[x]!.id < projects[y]!.id ? -1 : projects[x]!.id > projects[y]!.id ? 1 : 0);

/** The tree of a round's projects; the round file's checks have made sure every parent exists and there is no cycle. */
export function projectTree(projects: readonly Project[]): ProjectTree {
  const index = new Map(projects.map((p, i) => [p.id, i]));
  const children = new Map<string | null, number[]>();
  projects.forEach((p, i) => {
    const list = children.get(p.parent) ?? [];
    list.push(i);
    children.set(p.parent, list);
  });
  const groups: SiblingGroup[] = [];
  const groupOf = new Int32Array(projects.length).fill(-1);
  const slotOf = new Int32Array(projects.length).fill(-1);
  const childGroup = new Int32Array(projects.length).fill(-1);
  let level: (string | null)[] = children.has(null) ? [null] : [];
  while (level.length > 0) {
    const next: string[] = [];
    for (const parent of level) {
      const members = children.get(parent)!.sort(byId(projects));
      const g = groups.length;
      groups.push({ parent, members });
      if (parent !== null) childGroup[index.get(parent)!] = g;
      members.forEach((m, slot) => {
        groupOf[m] = g;
        slotOf[m] = slot;
        if (children.has(projects[m]!.id)) next.push(projects[m]!.id);
      });
    }
    level = next.sort();
  }
  return { groups, groupOf, slotOf, childGroup, index };
}

/**
 * Final weights: a project's weight among its siblings times its parent's final weight, down from the root:
 * `W(p) = w(p) × W(parent(p))`, with `W(root) = 1`.
 */
export function finalWeights(tree: ProjectTree, local: Float64Array): Float64Array {
  const out = new Float64Array(local.length);
  for (const group of tree.groups) {
    const above = group.parent === null ? 1 : out[tree.index.get(group.parent)!]!;
    for (const m of group.members) out[m] = above * local[m]!;
  }
  return out;
}
