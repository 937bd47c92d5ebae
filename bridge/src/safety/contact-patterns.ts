// E-mail addresses and links, matched on the "joined" form of a message (folded, letters spelled
// out one by one joined), including their written-out disguises: "jane at gmail dot com",
// "example(dot)com", "www dot example dot com". (Handles: social-handles.ts; phones: phone-numbers.ts.)

export type ContactKind = 'email' | 'link';
export type SpanHandler = (start: number, end: number, matched: string) => void;

/** Top-level domains recognised without "http" or "www" (short English words, .it .me .to…, left out). */
const CODE_TLDS = [
  'com',
  'net',
  'org',
  'biz',
  'io',
  'co',
  'uk',
  'de',
  'fr',
  'es',
  'nl',
  'ie',
  'eu',
  'ch',
  'au',
  'ca',
  'nz',
  'ru',
  'pl',
  'pt',
  'br',
  'mx',
  'se',
  'dk',
  'fi',
  'gr',
  'cz',
  'ro',
  'za',
  'ng',
  'ae',
  'sg',
  'hk',
  'jp',
  'cn',
  'kr',
  'tv',
  'ai',
  'xyz',
];
/**
 * Top-level domains that are English words: "done.Hair at 10" is a full stop without its space,
 * so after a bare dot they count only with a path ("janemua.beauty/book") or a written-out dot.
 */
const WORD_TLDS = [
  'info',
  'app',
  'dev',
  'site',
  'online',
  'shop',
  'store',
  'link',
  'page',
  'bio',
  'club',
  'blog',
  'website',
  'email',
  'beauty',
  'salon',
  'hair',
  'makeup',
  'tech',
  'art',
  'top',
  'vip',
];
const TLDS = [...CODE_TLDS, ...WORD_TLDS].join('|');
/** Short links and profile hosts whose top-level domain is an English word (wa.me, t.me…). */
const SHORT_HOST_SET = new Set(['bit.ly', 'wa.me', 't.me', 'm.me', 'fb.me', 'linktr.ee', 'instagr.am', 'youtu.be', 'goo.gl']);
const MAIL_PROVIDERS = ['gmail', 'googlemail', 'hotmail', 'yahoo', 'icloud', 'protonmail', 'aol', 'gmx', 'yandex', 'outlook'];

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const OPEN = '[(\\[{<]';
const CLOSE = '[)\\]}>]';
/** "(dot)", "[.]", " dot ": a dot written out on purpose. */
const WRITTEN_DOT = `(?:\\s*${OPEN}\\s*(?:dot|\\.)\\s*${CLOSE}\\s*|\\s+dot\\s+)`;
/** ".", or written out. Spaces around a bare "." are not: "done. info to follow". */
const DOT = `(?:\\.|${WRITTEN_DOT})`;
/** A domain: labels and dots, ending with a code TLD, or any TLD after a written-out dot. */
const DOMAIN = `(?:${LABEL}${DOT})*(?:${LABEL}\\.(?:${CODE_TLDS.join('|')})|${LABEL}${WRITTEN_DOT}(?:${TLDS}))`;
const TLD_END = '(?![a-z0-9-])';
const PATH = `(?:/[^\\s<>"']*)?`;

/** Where an address may be: "@", "(at)", "[@]", or the word "at". */
const AT_SIGN = new RegExp(`@|${OPEN}\\s*(?:at|@)\\s*${CLOSE}|\\bat\\b`, 'g');
/** After "@": any domain with a dot, or a mail provider's name. */
const DOMAIN_AFTER_AT_SIGN = new RegExp(
  [
    `${LABEL}(?:\\.${LABEL})*\\.[a-z]{2,24}\\b`,
    `(?:${LABEL}\\s?\\.\\s?)+(?:${TLDS})${TLD_END}`,
    `(?:${LABEL}${DOT})+(?:${TLDS})${TLD_END}`,
    `(?:${MAIL_PROVIDERS.join('|')})\\b`,
  ].join('|'),
  'y',
);
/** After the word "at": a domain ("at costa.co.uk" too: a link anyway), or a mail provider's name. */
const DOMAIN_AFTER_AT_WORD = new RegExp(`${DOMAIN}${TLD_END}|(?:${MAIL_PROVIDERS.join('|')})\\b`, 'y');

/** Links that say so: "https://…", "hxxps://…", "www.…", "www dot …". */
const SCHEME_OR_WWW = new RegExp(
  [`\\b(?:https?|hxxps?|ftp)\\s*:\\s*/\\s*/\\s*[^\\s<>"']+`, `\\bwww\\d?(?:${DOT}|\\s+)${LABEL}(?:${DOT}${LABEL})*${PATH}`].join('|'),
  'g',
);
/**
 * Where a bare domain ends: a dot, plain or written out, and a top-level domain. " dot " is
 * matched from the "d" (the space is looked behind for): a pattern that may start on any space
 * costs the engine four times as much on ordinary text.
 */
const SHORT_TLDS = ['ly', 'me', 'ee', 'am', 'be', 'gl'];
const DOT_TLD = new RegExp(
  `(?:\\.|${OPEN}\\s*(?:dot|\\.)\\s*${CLOSE}\\s*|(?<=\\s)dot\\s+)(${TLDS}|${SHORT_TLDS.join('|')})${TLD_END}`,
  'g',
);
/** A dot written out just before a position: "(dot)", "[.]", " dot ". */
const WRITTEN_DOT_BEFORE = new RegExp(`${WRITTEN_DOT}$`);
const PATH_AT = /\/[^\s<>"']*/y;
const WORD_TLD_SET = new Set(WORD_TLDS);
const SHORT_TLD_SET = new Set(SHORT_TLDS);

/** Where the labels (and dots) before `end` start, or -1 if there is no label there. */
function domainStart(text: string, end: number): number {
  let start = -1;
  let at = end;
  for (;;) {
    let label = at;
    while (label > 0 && isLabelChar(text.charCodeAt(label - 1))) label--;
    if (label === at) return start;
    start = label;
    if (text.charCodeAt(label - 1) === 0x2e) at = label - 1;
    else {
      const written = WRITTEN_DOT_BEFORE.exec(text.slice(Math.max(0, label - 12), label));
      if (!written) return start;
      at = label - written[0].length;
    }
  }
}

/**
 * Bare domains, found from their end: a top-level domain after a dot, then the labels before it.
 * (A pattern that starts with the labels would try every word of every message.)
 */
function findDomains(text: string, report: SpanHandler): void {
  DOT_TLD.lastIndex = 0;
  for (let m = DOT_TLD.exec(text); m; m = DOT_TLD.exec(text)) {
    const dot = text.charCodeAt(m.index) === 0x64 ? m.index - 1 : m.index; // " dot ": from the space
    const start = domainStart(text, dot);
    if (start < 0) continue;
    const previous = text.charCodeAt(start - 1);
    // Part of a longer word, an address (e-mail finds it) or a URL's path.
    if (isLabelChar(previous) || previous === 0x40 || previous === 0x2e || previous === 0x2f) continue;
    let end = m.index + m[0].length;
    PATH_AT.lastIndex = end;
    const path = PATH_AT.exec(text);
    if (path) end += path[0].length;
    const tld = m[1]!;
    const written = text.charCodeAt(dot) !== 0x2e;
    if (SHORT_TLD_SET.has(tld) && !SHORT_HOST_SET.has(domainOf(text.slice(start, m.index + m[0].length)))) continue;
    if (WORD_TLD_SET.has(tld) && !written && !path) continue;
    report(start, end, text.slice(start, end));
  }
}

const isLocalChar = (c: number) =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x5f || c === 0x25 || c === 0x2b || c === 0x2d;
const isLabelChar = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
const PROVIDER_SET = new Set(MAIL_PROVIDERS);

/** A dot written out after a label: " dot", " (dot)", "[.]"… (how WRITTEN_DOT starts). */
const WRITTEN_DOT_START = /\s*[([{<]|\s+dot/y;

/**
 * After the word "at", a domain must follow soon: its first label ends with a dot (written or
 * bracketed) or is a mail provider's name. Checked by hand, as "at" is in most messages ("at the
 * salon" is not worth trying DOMAIN_AFTER_AT_WORD on).
 */
function mayBeDomainAt(text: string, at: number): boolean {
  let end = at;
  while (end < text.length && isLabelChar(text.charCodeAt(end))) end++;
  if (end === at) return false;
  const next = text.charCodeAt(end);
  // ".", "(", "[", "{", "<"
  if (next === 0x2e || next === 0x28 || next === 0x5b || next === 0x7b || next === 0x3c) return true;
  const label = text.slice(at, end);
  if (next !== 0x20) return PROVIDER_SET.has(label);
  WRITTEN_DOT_START.lastIndex = end;
  if (WRITTEN_DOT_START.test(text)) return true;
  // A provider's name before a space, or before a dash ("gmail-…": the name ends at a word boundary).
  const dash = label.indexOf('-');
  return PROVIDER_SET.has(dash < 0 ? label : label.slice(0, dash));
}

/** "jane.doe@gmail.com", "jane @ gmail . com" (joined), "jane (at) gmail (dot) com", "jane at gmail". */
function findEmails(text: string, report: SpanHandler): void {
  if (!text.includes('@') && !text.includes('at')) return;
  AT_SIGN.lastIndex = 0;
  for (let m = AT_SIGN.exec(text); m; m = AT_SIGN.exec(text)) {
    const word = m[0] === 'at';
    let domainStart = m.index + m[0].length;
    while (text.charCodeAt(domainStart) === 0x20) domainStart++;
    if (word && (domainStart === m.index + 2 || !mayBeDomainAt(text, domainStart))) continue;
    let localEnd = m.index;
    while (localEnd > 0 && text.charCodeAt(localEnd - 1) === 0x20) localEnd--;
    let localStart = localEnd;
    while (localStart > 0 && isLocalChar(text.charCodeAt(localStart - 1))) localStart--;
    while (localStart < localEnd && !isLabelChar(text.charCodeAt(localStart))) localStart++;
    if (localStart === localEnd) continue;
    const domain = word ? DOMAIN_AFTER_AT_WORD : DOMAIN_AFTER_AT_SIGN;
    domain.lastIndex = domainStart;
    const found = domain.exec(text);
    if (!found) continue;
    const end = domainStart + found[0].length;
    report(localStart, end, text.slice(localStart, end));
    AT_SIGN.lastIndex = end;
  }
}

function each(pattern: RegExp, text: string, report: SpanHandler): void {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) report(m.index, m.index + m[0].length, m[0]);
}

/** Spans (in `text`, the joined form) of e-mail addresses or links. */
export function findContacts(text: string, kind: ContactKind, report: SpanHandler): void {
  if (kind === 'email') {
    findEmails(text, report);
    return;
  }
  if (text.includes('//') || text.includes('www')) each(SCHEME_OR_WWW, text, report);
  findDomains(text, report);
}

/** The host of a link or the domain of an address, for operators' allow lists. */
export function domainOf(matched: string): string {
  const normal = matched
    .replace(/\s*[([{<]\s*(?:dot|\.)\s*[)\]}>]\s*|\s+dot\s+/g, '.')
    .replace(/\s*[([{<]\s*at\s*[)\]}>]\s*|\s+at\s+/g, '@');
  const host =
    normal
      .replace(/^[a-z]+:\/\//, '')
      .replace(/^[^@]*@\s*/, '')
      .split(/[/?#\s]/)[0] ?? '';
  return host.replace(/^www\d?\./, '');
}
