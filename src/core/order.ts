/** Code-unit order of ids: the same on every machine, unlike localeCompare. */
export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
