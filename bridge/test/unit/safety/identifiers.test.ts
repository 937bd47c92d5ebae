import { describe, expect, it } from 'vitest';
import { withoutIdentifiers } from '../../../src/safety/identifiers.ts';

const blanked = (text: string, identifier: string) => text.replace(identifier, ' '.repeat(identifier.length));

describe('machine identifiers', () => {
  it.each([
    ['booking 2b00b37c-2d62-4aa8-b818-8889b6a50156 confirmed', '2b00b37c-2d62-4aa8-b818-8889b6a50156'],
    ['ID FA90802A-B9C9-41D0-ADB0-44320118E416', 'FA90802A-B9C9-41D0-ADB0-44320118E416'],
    ['order a557984f, thanks', 'a557984f'],
    ['(ref:0f3c9e2b7d41aa90)', '0f3c9e2b7d41aa90'],
  ])('are blanked out, as many spaces as characters: %s', (text, identifier) => {
    expect(withoutIdentifiers(text)).toBe(blanked(text, identifier));
  });

  it('blank only the long hex parts of something that is not a whole UUID', () => {
    expect(withoutIdentifiers('2b00b37c-2d62-4aa8-b818-8889b6a5015')).toBe('        -2d62-4aa8-b818-           ');
  });

  it.each([
    'see you at 10:30, call 07911123456',
    'a deadbeef facade', // hex letters only
    'nice b00b5', // too short
    'code 2b00b37cz or 2b00b37c_1', // more than hex in the word
  ])('leave everything else as it is: %s', (text) => {
    expect(withoutIdentifiers(text)).toBe(text);
  });
});
