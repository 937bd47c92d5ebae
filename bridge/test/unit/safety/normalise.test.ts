import { describe, expect, it } from 'vitest';
import { AMBIGUOUS_IL, fold, normalise } from '../../../src/safety/normalise.ts';

const I_OR_L = String.fromCharCode(AMBIGUOUS_IL);

/** The original text behind view characters [start, end). */
function behind(original: string, view: { span(start: number, end: number): [number, number] }, start: number, end: number) {
  return original.slice(...view.span(start, end));
}

describe('the folded form', () => {
  it.each([
    ['ＦＵＣＫ', 'fuck'], // fullwidth
    ['𝐟𝐮𝐜𝐤', 'fuck'], // mathematical bold
    ['ⓕⓤⓒⓚ', 'fuck'], // circled
    ['🅵🆄🅲🅺', 'fuck'], // negative squared, no decomposition
    ['ꜰᴜᴄᴋ', 'fuck'], // small capitals
    ['fück', 'fuck'], // diacritics
    ['Straße', 'strasse'],
    ['ﬁne', 'fine'], // ligature
    ['SHOUTING', 'shouting'],
  ])('folds compatibility forms, case and diacritics: %s', (input, folded) => {
    expect(fold(input).text).toBe(folded);
  });

  it.each([
    ['fu\u0441k', 'fuck'], // Cyrillic с
    ['\u0455\u04bb\u0456t', 'shit'], // Cyrillic ѕ һ і
    ['\u03c4\u03c9\u03b1\u03c4', 'twat'], // Greek τ ω α
    ['b\u0131tch', 'bitch'], // dotless i
  ])('maps look-alike letters of other scripts to Latin: %s', (input, folded) => {
    expect(fold(input).text).toBe(folded);
  });

  it('drops zero-width, invisible and bidi characters, and maps what is left back to the original', () => {
    const original = 'f\u200bu\u00adc\u202ek\u2060!';
    const view = fold(original);
    expect(view.text).toBe('fuck!');
    expect(behind(original, view, 0, 4)).toBe('f\u200bu\u00adc\u202ek');
    expect(behind(original, view, 4, 5)).toBe('!');
  });

  it('maps every character of an expansion to the character it came from', () => {
    const original = 'a ﬁ b';
    const view = fold(original);
    expect(view.text).toBe('a fi b');
    expect(view.span(2, 3)).toEqual([2, 3]);
    expect(view.span(3, 4)).toEqual([2, 3]);
    expect(behind(original, view, 5, 6)).toBe('b');
  });

  it('maps positions back once an expansion follows characters folded in place', () => {
    const original = 'Café: ﬁne Straße';
    const view = fold(original);
    expect(view.text).toBe('cafe: fine strasse');
    expect(behind(original, view, 0, 4)).toBe('Café');
    expect(behind(original, view, 6, 10)).toBe('ﬁne');
    expect(behind(original, view, 11, 18)).toBe('Straße');
  });

  it('turns digits of other scripts and styles into ASCII digits', () => {
    expect(fold('٠٧٩١١ ０７９ 𝟕').text).toBe('07911 079 7');
  });

  it('leaves plain text alone', () => {
    const view = fold('See you at 10:30, £120.');
    expect(view.text).toBe('see you at 10:30, £120.');
    expect(view.span(11, 16)).toEqual([11, 16]);
  });
});

describe('the joined form', () => {
  it('joins characters spelled out one by one', () => {
    const original = 'mail j a n e @ g m a i l . c o m now';
    const { joined } = normalise(original);
    expect(joined.text).toBe('mail jane@gmail.com now');
    expect(behind(original, joined, 5, 19)).toBe('j a n e @ g m a i l . c o m');
  });

  it('leaves ordinary sentences alone', () => {
    expect(normalise('I am a bride, a b c is not a word').joined.text).toBe('i am a bride, abc is not a word');
    expect(normalise('Plan A or B').joined.text).toBe('plan a or b');
  });
});

describe('the letters form', () => {
  it.each([
    ['sh1t', `sh${I_OR_L}t`],
    ['b!tch', `b${I_OR_L}tch`],
    ['$hit', 'shit'],
    ['a$$hole', 'asshole'],
    ['5hit', 'shit'],
    ['wh@tsapp', 'whatsapp'],
    ['c0ck', 'cock'],
    ['f*ck', 'f*ck'],
  ])('decodes leetspeak inside words: %s', (input, letters) => {
    expect(normalise(input).letters.text).toBe(letters);
  });

  it.each(['10am', '3pm', '2nd', '45min', 'A55 road', '@jane', 'hi!', '£120', 'NW10'])('leaves numbers and handles alone: %s', (input) => {
    expect(normalise(input).letters.text).toBe(input.toLowerCase());
  });

  it.each([
    ['f.u.c.k', 'fuck'],
    ['s-h-i-t', 'shit'],
    ['f_u_c_k', 'fuck'],
    ['f . u . c . k', 'fuck'],
    ['s h i t', 'shit'],
  ])('joins letters split by punctuation or spaces: %s', (input, letters) => {
    expect(normalise(input).letters.text).toBe(letters);
  });

  it('keeps contractions and abbreviations', () => {
    expect(normalise("I'm a bit late, e.g. 10 a.m.").letters.text).toBe("i'm a bit late, e.g. 10 a.m.");
  });

  it('maps a decoded word back to what was written', () => {
    const original = 'you f.u.c.k!ng idiot';
    const { letters } = normalise(original);
    const start = letters.text.indexOf('fuck');
    expect(behind(original, letters, start, start + 4)).toBe('f.u.c.k');
  });
});

describe('the digits form', () => {
  it.each([
    ['zero seven nine one one', '0 7 9 1 1'],
    ['oh seven nine', '0 7 9'],
    ['double one two', '11 2'],
    ['triple 7', '777'],
    ['sevennineone', '791'],
    ['O79II I23456', '07911 123456'],
    ['07911 one two three', '07911 1 2 3'],
    ['zero7nine', '079'],
  ])('reads digits written as words or letters: %s', (input, digits) => {
    expect(normalise(input).digits.text).toBe(digits);
  });

  it('leaves other words alone', () => {
    expect(normalise('Someone phoned, it is done').digits.text).toBe('someone phoned, it is done');
  });

  it('maps each digit back to its word', () => {
    const original = 'call zero seven now';
    const { digits } = normalise(original);
    expect(digits.text).toBe('call 0 7 now');
    expect(behind(original, digits, 5, 8)).toBe('zero seven');
  });

  it('maps a repeated digit back to "double" and its word', () => {
    const original = 'double seven';
    const { digits } = normalise(original);
    expect(digits.text).toBe('77');
    expect(behind(original, digits, 0, 2)).toBe('double seven');
  });
});
