import { describe, expect, it } from 'vitest';
import { reply, text } from '../../../src/commands/reply.ts';
import { formatInstant } from '../../../src/format/time.ts';
import { renderForDiscord } from '../../../src/platforms/discord/render.ts';

describe('discord: rendering', () => {
  it('GIVEN a time in a reply THEN Discord shows it in each reader\'s own zone, and the text around it stays escaped', () => {
    const at = new Date('2025-03-01T17:00:00Z');
    const said = formatInstant(at, 'America/New_York');
    expect(said).toBe('2025-03-01 12:00 America/New_York (2025-03-01T17:00:00Z)');
    const [message] = renderForDiscord(reply(text(`Voting *opens* ${said}, closes ${formatInstant(new Date('2025-03-02T17:00:30Z'), 'UTC')}.`)));
    expect(message!.content).toBe(`Voting \\*opens\\* <t:${at.getTime() / 1000}:f>, closes <t:${Date.parse('2025-03-02T17:00:30Z') / 1000}:f>.`);
  });
});
