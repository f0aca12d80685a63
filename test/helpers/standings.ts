import { recountThread } from '../../src/db/standings.ts';

/** Runs `work` with every recount in the standings thread, small rounds too (otherwise only large rounds use it). */
export async function inStandingsThread<T>(work: () => Promise<T>): Promise<T> {
  const { minMembers } = recountThread;
  recountThread.minMembers = 0;
  try {
    return await work();
  } finally {
    recountThread.minMembers = minMembers;
  }
}
