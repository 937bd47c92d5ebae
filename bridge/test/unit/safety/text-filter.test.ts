import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadFilterConfig, parseFilterConfig } from '../../../src/safety/filter-config.ts';
import { TextFilter } from '../../../src/safety/text-filter.ts';

const SHIPPED = new URL('../../../../config/filters.yaml', import.meta.url).pathname;
const fixtures = new URL('../../fixtures/safety/', import.meta.url);
const evasions = JSON.parse(readFileSync(new URL('evasions.json', fixtures), 'utf8')) as Array<{ text: string; category: string }>;
const innocent = JSON.parse(readFileSync(new URL('innocent.json', fixtures), 'utf8')) as string[];

const shipped = new TextFilter(loadFilterConfig(SHIPPED));

function filterFrom(yaml: string): TextFilter {
  return new TextFilter(parseFilterConfig(yaml));
}

describe('the shipped filter', () => {
  it('lets ordinary booking talk through untouched', () => {
    const text = 'Hi! Confirming Saturday 10:30 at 45 High Street, flat 3. Bridal hair and make-up, £120, about 2 hours.';
    expect(shipped.check(text)).toEqual({ action: 'allow', text, matches: [] });
  });

  it('blocks profanity, with the category as reason', () => {
    const verdict = shipped.check('you are a f.u.c.k!ng idiot');
    expect(verdict.action).toBe('block');
    expect(verdict.matches).toEqual([{ category: 'profanity', action: 'block', reason: 'profanity' }]);
  });

  it('masks a phone number in the original text and delivers the rest', () => {
    const verdict = shipped.check('Call me on +44 7911 123456 after 6pm');
    expect(verdict).toEqual({
      action: 'mask',
      text: 'Call me on ••• after 6pm',
      matches: [{ category: 'phone', action: 'mask', reason: 'phone' }],
    });
  });

  it('masks exactly what was written, disguises included', () => {
    expect(shipped.check('ring me on zero seven nine one one one two three four five six ok?').text).toBe('ring me on ••• ok?');
    expect(shipped.check('write to ｊａｎｅ＠ｇｍａｉｌ．ｃｏｍ please').text).toBe('write to ••• please');
    expect(shipped.check('mail jane (at) gmail (dot) com thanks').text).toBe('mail ••• thanks');
    expect(shipped.check('see www.jane-mua.co.uk/gallery for more').text).toBe('see ••• for more');
    expect(shipped.check('add me, insta: @jane_mua x').text).toBe('add me, ••• x');
  });

  it('masks several contact details in one message', () => {
    const verdict = shipped.check('text 07911 123456 or mail jane@gmail.com or whatsapp me');
    expect(verdict.text).toBe('text ••• or mail ••• or •••');
    expect(verdict.matches.map((m) => m.category).sort()).toEqual(['email', 'phone', 'social_handle']);
  });

  it.each([
    'We live near Scunthorpe',
    'Can you assess my hair first?',
    'A classic look for the class reunion',
    'Photos on the grass',
    'A Dickens reading and a cocktail hour',
    'Skin analysis with my therapist',
    'At 10:30 or at 9.45, on 12/03/2026',
    '£120, $85.50 or 120 EUR',
    'Booking ref BK-7F3K2Q, order no. 20260412',
    'Flat 3, 45 High Street, London SW1A 1AA',
    '2 hours, 3 x 45 min, size 8, 10 or 12',
    'I found you on Instagram, love your work',
    "I'll be @home by 5",
  ])('does not mistake innocent text for a match: %s', (text) => {
    expect(shipped.check(text).matches).toEqual([]);
  });
});

describe('actions', () => {
  const yaml = (actions: Record<string, string>) =>
    `categories:\n${Object.entries(actions)
      .map(([name, action]) => `  ${name}:\n    action: ${action}`)
      .join('\n')}\n`;

  it('block wins over flag, flag over mask', () => {
    const filter = filterFrom(yaml({ profanity: 'flag', phone: 'mask', email: 'block' }));
    expect(filter.check('shit, call 07911 123456').action).toBe('flag');
    expect(filter.check('shit, mail jane@gmail.com').action).toBe('block');
    expect(filter.check('call 07911 123456').action).toBe('mask');
  });

  it('flag delivers the text unchanged, except what other categories mask', () => {
    const filter = filterFrom(yaml({ profanity: 'flag', phone: 'mask' }));
    const verdict = filter.check('shit, call 07911 123456');
    expect(verdict.text).toBe('shit, call •••');
    expect(verdict.matches).toContainEqual({ category: 'profanity', action: 'flag', reason: 'profanity' });
  });

  it('masks whole words when a word list is set to mask', () => {
    const filter = filterFrom(yaml({ profanity: 'mask' }));
    expect(filter.check('what a motherfucker!').text).toBe('what a •••!');
  });

  it('uses the configured mask', () => {
    const filter = filterFrom(`mask: "[hidden]"\n${yaml({ phone: 'mask' })}`);
    expect(filter.check('07911 123456').text).toBe('[hidden]');
  });

  it('leaves out a disabled category', () => {
    const filter = filterFrom('categories:\n  phone:\n    action: mask\n    enabled: false\n');
    expect(filter.check('07911 123456').action).toBe('allow');
  });
});

describe('word lists and exceptions', () => {
  it('adds words in other languages, disguised or not', () => {
    const filter = filterFrom('categories:\n  profanity:\n    action: block\n    words: ["|merde|", "|scheisse"]\n');
    expect(filter.check("Oh merde, j'ai oublié").action).toBe('block');
    expect(filter.check('SCHEISSE').action).toBe('block');
    expect(filter.check('Scheiße!').action).toBe('block');
    expect(filter.check('m.e.r.d.e').action).toBe('block');
    expect(filter.check('emmerder').action).toBe('allow');
  });

  it('supports categories of their own', () => {
    const filter = filterFrom('categories:\n  payment:\n    action: flag\n    words: ["|paypal", "|bank transfer|", "|venmo|"]\n');
    const verdict = filter.check('can I pay by bank transfer instead?');
    expect(verdict.matches).toEqual([{ category: 'payment', action: 'flag', reason: 'payment' }]);
    expect(filter.check('p4yp4l me').action).toBe('flag');
  });

  it('honours allowed phrases, domains and numbers', () => {
    const filter = filterFrom(
      [
        'categories:',
        '  profanity: { action: block, allow: [dickinson] }',
        '  link: { action: mask, allow: [booking-chat.example] }',
        '  email: { action: mask, allow: [booking-chat.example] }',
        '  phone: { action: mask, allow: ["+44 20 7946 0000"] }',
      ].join('\n'),
    );
    expect(filter.check('An Emily Dickinson poem').action).toBe('allow');
    expect(filter.check('see https://help.booking-chat.example/faq').action).toBe('allow');
    expect(filter.check('mail support@booking-chat.example').action).toBe('allow');
    expect(filter.check('call 020 7946 0000').action).toBe('allow');
    expect(filter.check('see https://evil.example/booking-chat.example').action).toBe('mask');
    expect(filter.check('call 020 7946 0001').action).toBe('mask');
  });
});

describe('the corpora', () => {
  const RECALL_AT_LEAST = 0.95;
  const FALSE_POSITIVES_AT_MOST = 0.02;

  it(`catches at least ${RECALL_AT_LEAST * 100}% of the evasions, each under its category`, () => {
    const missed = evasions.filter(({ text, category }) => !shipped.check(text).matches.some((m) => m.category === category));
    const recall = 1 - missed.length / evasions.length;
    console.log(`evasions: ${evasions.length}, recall ${recall.toFixed(3)}, missed: ${JSON.stringify(missed.map((e) => e.text))}`);
    expect(evasions.length).toBeGreaterThanOrEqual(80);
    expect(recall).toBeGreaterThanOrEqual(RECALL_AT_LEAST);
  });

  it(`matches at most ${FALSE_POSITIVES_AT_MOST * 100}% of the innocent sentences`, () => {
    const matched = innocent.filter((text) => shipped.check(text).matches.length > 0);
    const rate = matched.length / innocent.length;
    console.log(`innocent: ${innocent.length}, false-positive rate ${rate.toFixed(3)}, matched: ${JSON.stringify(matched)}`);
    expect(innocent.length).toBeGreaterThanOrEqual(120);
    expect(rate).toBeLessThanOrEqual(FALSE_POSITIVES_AT_MOST);
  });

  it('does as well with the evasions inside ordinary messages, and with long innocent messages', () => {
    let seed = 20260501;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = () => innocent[Math.floor(next() * innocent.length)]!;
    const inContext = evasions.map(({ text, category }) => ({ text: `${pick()} ${text} ${pick()}`, category }));
    const caught = inContext.filter(({ text, category }) => shipped.check(text).matches.some((m) => m.category === category));
    const long = Array.from({ length: 500 }, () => {
      const parts: string[] = [];
      while (parts.join(' ').length < 400) parts.push(pick());
      return parts.join(' ');
    });
    const matched = long.filter((text) => shipped.check(text).matches.length > 0);
    const recall = caught.length / inContext.length;
    const rate = matched.length / long.length;
    console.log(`in context: recall ${recall.toFixed(3)}; ${long.length} long innocent messages: false-positive rate ${rate.toFixed(3)}`);
    expect(recall).toBeGreaterThanOrEqual(RECALL_AT_LEAST);
    expect(rate).toBeLessThanOrEqual(FALSE_POSITIVES_AT_MOST);
  });
});

describe('machine identifiers', () => {
  const filter = new TextFilter(loadFilterConfig(join(import.meta.dirname, '..', '..', '..', '..', 'config', 'filters.yaml')));

  it.each([
    'booking ref 2b00b37c-2d62-4aa8-b818-8889b6a50156',
    'order a557984f',
    'id fa90802a-b9c9-41d0-adb0-44320118e416 please check',
    'ticket 52836184-44eb-4683-94d2-bdab56be599b',
  ])('are not read as words or numbers: %s', (text) => {
    expect(filter.check(text)).toEqual({ action: 'allow', text, matches: [] });
  });

  it('do not hide short leetspeak', () => {
    expect(filter.check('nice b00b5').action).toBe('block');
  });
});
