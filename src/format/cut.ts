/** Cuts text into parts of at most `limit` characters, at a line break, else a space, else anywhere. */
export function cut(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const at = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    const end = at > limit / 2 ? at : limit;
    parts.push(rest.slice(0, end));
    rest = rest.slice(end).replace(/^[\n ]/, '');
  }
  parts.push(rest);
  return parts;
}
