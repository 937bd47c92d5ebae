// Folding of one non-ASCII character: compatibility forms (fullwidth, mathematical and enclosed
// letters, ligatures), diacritics, case, invisible characters, and letters of other scripts that
// look like Latin ones. The result is cached per code point: a message costs a Map lookup per
// non-ASCII character.

/** Zero-width, bidi, soft hyphen, variation selectors, tags, fillers: dropped. */
const INVISIBLE = /^[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}]$/u;
const SPACE = /^[\p{Zs}\p{Zl}\p{Zp}]$/u;
const MARKS = /\p{M}/gu;
const DECIMAL_DIGIT = /^\p{Nd}$/u;

/** Look-alikes that compatibility decomposition leaves alone, after lower-casing. */
const LOOKALIKES: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  г: 'r',
  е: 'e',
  и: 'u',
  й: 'u',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  п: 'n',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ц: 'u',
  ш: 'w',
  щ: 'w',
  ъ: 'b',
  ь: 'b',
  ѕ: 's',
  і: 'i',
  ј: 'j',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
  һ: 'h',
  ү: 'y',
  ҝ: 'k',
  ӄ: 'k',
  ғ: 'f',
  ѵ: 'v',
  // Greek
  α: 'a',
  β: 'b',
  γ: 'y',
  δ: 'd',
  ε: 'e',
  ζ: 'z',
  η: 'n',
  ι: 'i',
  κ: 'k',
  μ: 'u',
  ν: 'v',
  ο: 'o',
  π: 'n',
  ρ: 'p',
  σ: 'o',
  ς: 'c',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  ϲ: 'c',
  ϳ: 'j',
  // Armenian
  օ: 'o',
  ս: 'u',
  ց: 'g',
  հ: 'h',
  ո: 'n',
  զ: 'q',
  // Latin letters without a decomposition
  ı: 'i',
  ł: 'l',
  ø: 'o',
  đ: 'd',
  ħ: 'h',
  ŧ: 't',
  ƒ: 'f',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ð: 'd',
  þ: 'th',
  ɑ: 'a',
  ɡ: 'g',
  ɩ: 'i',
  ɪ: 'i',
  ʟ: 'l',
  ʏ: 'y',
  ʀ: 'r',
  ɴ: 'n',
  ɢ: 'g',
  ʜ: 'h',
  ʙ: 'b',
  ᴀ: 'a',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ᴊ: 'j',
  ᴋ: 'k',
  ᴍ: 'm',
  ᴏ: 'o',
  ᴘ: 'p',
  ǫ: 'q',
  ꜰ: 'f',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ᴢ: 'z',
  ȷ: 'j',
  // Punctuation that hides a dot, a dash, an at sign or an apostrophe
  '。': '.',
  '·': '.',
  '•': '.',
  '∙': '.',
  '⋅': '.',
  '●': '.',
  '‧': '.',
  '‐': '-',
  '‑': '-',
  '‒': '-',
  '–': '-',
  '—': '-',
  '―': '-',
  '−': '-',
  '⁃': '-',
  '’': "'",
  '‘': "'",
  ʼ: "'",
  '´': "'",
  '⁄': '/',
  '∕': '/',
  '©': '(c)',
  '®': '(r)',
};

/** Enclosed letters that have no decomposition: 🅐, 🅰, 🇦 … */
const ENCLOSED_LETTER_BLOCKS = [0x1f150, 0x1f170, 0x1f1e6];

const cache = new Map<number, string>();

export function foldCodePoint(cp: number): string {
  let folded = cache.get(cp);
  if (folded === undefined) {
    folded = computeFold(cp);
    cache.set(cp, folded);
  }
  return folded;
}

function computeFold(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (INVISIBLE.test(ch)) return '';
  if (SPACE.test(ch)) return ' ';
  for (const block of ENCLOSED_LETTER_BLOCKS) {
    if (cp >= block && cp < block + 26) return String.fromCharCode(0x61 + cp - block);
  }
  const decomposed = ch.normalize('NFKD').replace(MARKS, '').toLowerCase();
  let out = '';
  for (const part of decomposed) {
    const code = part.codePointAt(0)!;
    if (code < 0x80) out += code >= 0x20 && code !== 0x7f ? part : ' ';
    else if (DECIMAL_DIGIT.test(part)) out += String(digitValue(code));
    else out += LOOKALIKES[part] ?? part;
  }
  return out;
}

/** Decimal digits of every script come in runs of ten, zero first. */
function digitValue(cp: number): number {
  let zero = cp;
  while (cp - zero < 9 && DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
  return (cp - zero) % 10;
}
