// E-mail addresses, links and social handles, matched on the "joined" form of a message (folded,
// letters spelled out one by one joined), including their written-out disguises: "jane at gmail
// dot com", "example(dot)com", "insta: @jane", "add me on snap", "whatsapp me".

/** Top-level domains recognised without "http" or "www"; English words (.it, .me, .to…) left out. */
const BARE_TLDS = [
  'com', 'net', 'org', 'info', 'biz', 'io', 'co', 'uk', 'de', 'fr', 'es', 'nl', 'ie', 'eu', 'ch', 'au',
  'ca', 'nz', 'ru', 'pl', 'pt', 'br', 'mx', 'se', 'dk', 'fi', 'gr', 'cz', 'ro', 'za', 'ng', 'ae', 'sg',
  'hk', 'jp', 'cn', 'kr', 'tv', 'ai', 'app', 'dev', 'xyz', 'site', 'online', 'shop', 'store', 'link',
  'page', 'bio', 'club', 'blog', 'website', 'email', 'beauty', 'salon', 'hair', 'makeup', 'tech', 'art', 'top', 'vip',
];
/** Short links and profile hosts whose domain is an English word (wa.me, t.me…). */
const SHORT_HOSTS = ['bit\\.ly', 'wa\\.me', 't\\.me', 'm\\.me', 'fb\\.me', 'linktr\\.ee', 'instagr\\.am', 'youtu\\.be', 'goo\\.gl', 'onlyfans\\.com'];
const MAIL_PROVIDERS = ['gmail', 'googlemail', 'hotmail', 'yahoo', 'icloud', 'protonmail', 'aol', 'gmx', 'yandex', 'outlook'];

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const OPEN = '[(\\[{<]';
const CLOSE = '[)\\]}>]';
/** ".", "(dot)", "[.]", " dot ". Spaces around a bare "." are not: "done. info to follow". */
const DOT = `(?:\\.|\\s*${OPEN}\\s*(?:dot|\\.)\\s*${CLOSE}\\s*|\\s+dot\\s+)`;
const AT = `(?:\\s*@\\s*|\\s*${OPEN}\\s*(?:at|@)\\s*${CLOSE}\\s*|\\s+at\\s+)`;
const TLD_END = '(?![a-z0-9-])';
const PATH = `(?:/[^\\s<>"']*)?`;
const LOCAL = '[a-z0-9][a-z0-9._%+-]{0,63}';

/** Where an address may be: "@", "(at)", "[@]", or the word "at". */
const AT_SIGN = new RegExp(`@|${OPEN}\\s*(?:at|@)\\s*${CLOSE}|\\bat\\b`, 'g');
const LOCAL_CHAR = /[a-z0-9._%+-]/;
/** After "@": any domain with a dot, or a mail provider's name. */
const DOMAIN_AFTER_AT_SIGN = new RegExp(
  `${LABEL}(?:\\.${LABEL})*\\.[a-z]{2,24}\\b|(?:${LABEL}\\s?\\.\\s?)+(?:${BARE_TLDS.join('|')})${TLD_END}|(?:${LABEL}${DOT})+(?:${BARE_TLDS.join('|')})${TLD_END}|(?:${MAIL_PROVIDERS.join('|')})\\b`,
  'y',
);
/** After the word "at": a domain with a known top-level domain, or a mail provider's name. */
const DOMAIN_AFTER_AT_WORD = new RegExp(
  `(?:${LABEL}${DOT})+(?:${BARE_TLDS.join('|')})${TLD_END}|(?:${MAIL_PROVIDERS.join('|')})\\b`,
  'y',
);

/** "jane.doe@gmail.com", "jane @ gmail . com" (joined), "jane (at) gmail (dot) com", "jane at gmail". */
function findEmails(text: string, report: SpanHandler): void {
  if (!text.includes('@') && !text.includes('at')) return;
  AT_SIGN.lastIndex = 0;
  for (let m = AT_SIGN.exec(text); m; m = AT_SIGN.exec(text)) {
    let localEnd = m.index;
    while (localEnd > 0 && text.charCodeAt(localEnd - 1) === 0x20) localEnd--;
    let localStart = localEnd;
    while (localStart > 0 && LOCAL_CHAR.test(text[localStart - 1]!)) localStart--;
    while (localStart < localEnd && !/[a-z0-9]/.test(text[localStart]!)) localStart++;
    if (localStart === localEnd) continue;
    let domainStart = m.index + m[0].length;
    while (text.charCodeAt(domainStart) === 0x20) domainStart++;
    const domain = m[0] === 'at' ? DOMAIN_AFTER_AT_WORD : DOMAIN_AFTER_AT_SIGN;
    if (m[0] === 'at' && domainStart === m.index + 2) continue; // "at" must stand alone
    domain.lastIndex = domainStart;
    const found = domain.exec(text);
    if (!found) continue;
    const end = domainStart + found[0].length;
    report(localStart, end, text.slice(localStart, end));
    AT_SIGN.lastIndex = end;
  }
}

const LINK = new RegExp(
  [
    `\\b(?:https?|hxxps?|ftp)\\s*:\\s*/\\s*/\\s*[^\\s<>"']+`,
    `\\bwww\\d?(?:${DOT}|\\s+)${LABEL}(?:${DOT}${LABEL})*${PATH}`,
    `\\b(?:${SHORT_HOSTS.join('|')})${PATH}`,
    `\\b(?:${LABEL}${DOT})+(?:${BARE_TLDS.join('|')})${TLD_END}${PATH}`,
  ].join('|'),
  'g',
);

// Social platforms, spelled with leetspeak and repeated letters tolerated ("wh4tsaaapp").
const LEET: Record<string, string> = { a: 'a@4', e: 'e3', i: 'i1!|', l: 'l1|', o: 'o0', s: 's$5', t: 't7+', g: 'g9', b: 'b8' };
const fuzzy = (word: string) =>
  Array.from(word, (ch) => (ch === ' ' ? '[\\s._-]?' : `[${(LEET[ch] ?? ch).replace(/[\\\]^-]/g, '\\$&')}]+`)).join('');
/** Messaging apps: naming one is already an invitation to leave the platform. */
const MESSENGERS = ['whats app', 'wats app', 'telegram', 'wechat', 'viber', 'kik', 'snapchat', 'onlyfans', 'skype'];
/** Networks people also mention innocently ("I saw your work on Instagram"): a handle must follow. */
const NETWORKS = [
  'instagram', 'insta', 'ig', 'snap', 'tik tok', 'facebook', 'fb', 'twitter', 'discord', 'signal', 'threads', 'linkedin',
  'pinterest', 'tg',
];
/**
 * The platforms' names for the word matcher (obscenity pattern syntax, on the letters form, so
 * leetspeak and spacing are undone): the handle patterns below run only on a message that names
 * a platform or holds an "@".
 */
export const PLATFORM_WORDS = [...MESSENGERS, ...NETWORKS].flatMap((name) =>
  name.includes(' ') ? [`|${name}`, `|${name.replace(' ', '')}`] : [`|${name}${name.length <= 3 ? '|' : ''}`],
);
const MESSENGER = `(?:${MESSENGERS.map(fuzzy).join('|')})`;
const PLATFORM = `(?:${[...MESSENGERS, ...NETWORKS].map(fuzzy).join('|')})`;
const ACCOUNT = '(?:\\s+(?:handle|account|acc|user\\s?name|name|id|page|profile))?';
const HANDLE = '@?\\s?[a-z0-9_][a-z0-9._]{0,28}[a-z0-9_]';
/** A handle with a dot, underscore or digit in it: "jane_doe", "jane.doe99", not "story". */
const MARKED_HANDLE = '(?=[a-z0-9._]*[a-z])(?=[a-z0-9._]*[._0-9])[a-z0-9_][a-z0-9._]{1,28}[a-z0-9_]';
const NOT_HANDLES = [
  'home', 'work', 'the', 'my', 'your', 'salon', 'studio', 'noon', 'lunch', 'night', 'midday', 'midnight', 'weekend',
  'location', 'venue', 'hotel', 'station', 'office', 'church', 'reception', 'morning', 'evening', 'afternoon',
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'mine', 'yours', 'ours',
];

const SOCIAL = new RegExp(
  [
    `\\b${PLATFORM}${ACCOUNT}\\s*(?:is\\s*)?(?:[:=]|->)\\s*${HANDLE}`,
    `\\b${PLATFORM}\\s*@\\s*[a-z0-9_][a-z0-9._]{0,28}[a-z0-9_]`,
    `\\b${PLATFORM}\\s+${MARKED_HANDLE}`,
    `\\bmy\\s+${PLATFORM}${ACCOUNT}\\s+is\\s+${HANDLE}`,
    `\\b(?:add|follow|dm|message|msg|text|find|contact|hit|reach|call|chat\\s+with)\\s+(?:me|us)\\s+(?:up\\s+)?(?:on|at|via|through|over|in)\\s+${PLATFORM}`,
    `\\b(?:${MESSENGER}|snap)\\s+(?:me|us)\\b`,
    `\\b${MESSENGER}(?:s|ing|ed)?\\b`,
    `(?<![a-z0-9._%+-])@(?!(?:${NOT_HANDLES.join('|')})\\b)[a-z][a-z0-9._]{1,28}[a-z0-9_]`,
  ].join('|'),
  'g',
);

export type ContactKind = 'email' | 'link' | 'social_handle';
/** What the word matcher saw: whether the message names a platform. */
export interface ContactHints {
  platformNamed: boolean;
}
export type SpanHandler = (start: number, end: number, matched: string) => void;

/** A link needs "://", "www", a written-out dot, or a dot followed by a letter ("example.com"). */
const MAY_HOLD_LINK = /[.:]\/\/|www|dot|[(\[{<]\s*\.|\.[a-z]/;

function each(pattern: RegExp, text: string, report: SpanHandler): void {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) report(m.index, m.index + m[0].length, m[0]);
}

/** Spans (in `text`) of each kind of contact detail. */
export function findContacts(text: string, kind: ContactKind, hints: ContactHints, report: SpanHandler): void {
  if (kind === 'email') findEmails(text, report);
  else if (kind === 'link') {
    if (MAY_HOLD_LINK.test(text)) each(LINK, text, report);
  } else if (hints.platformNamed || text.includes('@')) each(SOCIAL, text, report);
}

/** The host of a link or the domain of an address, for operators' allow lists. */
export function domainOf(matched: string): string {
  const normal = matched.replace(/\s*[(\[{<]\s*(?:dot|\.)\s*[)\]}>]\s*|\s+dot\s+/g, '.').replace(/\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+/g, '@');
  const host = normal.replace(/^[a-z]+:\/\//, '').replace(/^[^@]*@\s*/, '').split(/[/?#\s]/)[0] ?? '';
  return host.replace(/^www\d?\./, '');
}
