import { describe, expect, it } from 'vitest';
import { pre, reply, text } from '../../../src/commands/reply.ts';
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

describe('discord: embeds', () => {
  it('GIVEN a titled reply longer than Discord allows in one message THEN it is embeds within every limit, the title and colour on the first, the chart inside', () => {
    const table = Array.from({ length: 600 }, (_, i) => `row ${i}  ${'x'.repeat(20)}`).join('\n');
    const messages = renderForDiscord({
      ...reply(text('Intro'), pre(table), text('After')),
      title: 'T'.repeat(300),
      refused: 'invalid_options',
      attachments: [{ name: 'chart.png', contentType: 'image/png', content: new Uint8Array([1]) }],
    });
    expect(messages.length).toBeGreaterThan(1);
    for (const { embeds = [], content } of messages) {
      expect(content).toBeUndefined();
      expect(embeds.length).toBeLessThanOrEqual(10);
      expect(embeds.reduce((n, e) => n + e.description.length + (e.title?.length ?? 0), 0)).toBeLessThanOrEqual(6000);
      for (const e of embeds) expect(e.description.length).toBeLessThanOrEqual(4096);
    }
    const [first] = messages[0]!.embeds!;
    expect(first).toMatchObject({ title: `${'T'.repeat(255)}…`, color: 0xed4245, image: { url: 'attachment://chart.png' } });
    expect(messages.flatMap((m) => m.embeds!).filter((e) => e.title !== undefined)).toHaveLength(1);
    const shown = messages.flatMap((m) => m.embeds!.map((e) => e.description)).join('\n');
    expect(shown).toContain('row 0  ');
    expect(shown).toContain('row 599  ');
    expect(shown.indexOf('Intro')).toBeLessThan(shown.indexOf('After'));
  });

  it('GIVEN a reply of text only THEN it stays plain content, and a heading with a table becomes the embed title', () => {
    expect(renderForDiscord(reply(text('Done.')))).toEqual([{ content: 'Done.' }]);
    expect(renderForDiscord(reply(text('Tally of round r1:'), pre('a  1')))).toEqual([{ embeds: [{ title: 'Tally of round r1', description: '```\na  1\n```', color: 0xfaa61a }] }]);
  });
});
