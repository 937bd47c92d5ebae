// Social handles and invitations to another messenger, matched on the "letters" form of a message
// (leetspeak decoded, spelled-out letters joined): "insta: @jane", "ig @jane", "snap: jane", "my
// insta is jane.doe", "add me on snap", "whatsapp me", "telegram @x", a bare "@jane_doe".
// The word matcher finds the platforms' names (PLATFORM_WORDS) on its way through the text; the
// patterns here run only where it found one, and on an "@".

/** Messaging apps: naming one is already an invitation to leave the platform. */
const MESSENGERS = ['whats app', 'wats app', 'telegram', 'wechat', 'viber', 'kik', 'snapchat', 'onlyfans', 'skype'];
/** Networks people also mention innocently ("I saw your work on Instagram"): a handle must follow. */
const NETWORKS = [
  'instagram',
  'insta',
  'ig',
  'snap',
  'tik tok',
  'facebook',
  'fb',
  'twitter',
  'discord',
  'signal',
  'threads',
  'linkedin',
  'pinterest',
  'tg',
];

/** The platforms' names for the word matcher (obscenity pattern syntax, on the letters form). */
export const PLATFORM_WORDS = [...MESSENGERS, ...NETWORKS].flatMap((name) =>
  name.includes(' ') ? [`|${name}`, `|${name.replace(' ', '')}`] : [`|${name}${name.length <= 3 ? '|' : ''}`],
);

const LEET: Record<string, string> = {
  a: 'a@4',
  e: 'e3',
  i: 'i1!|\x01',
  l: 'l1|\x01',
  o: 'o0',
  s: 's$5',
  t: 't7+',
  g: 'g9',
  b: 'b8',
};
/** A name as a pattern: each letter repeatable, with its leetspeak forms; spaces optional. */
const fuzzy = (name: string) =>
  Array.from(name, (ch) => (ch === ' ' ? '[\\s._-]?' : `[${(LEET[ch] ?? ch).replace(/[\\\]^-]/g, '\\$&')}]+`)).join('');

const MESSENGER = `(?:${MESSENGERS.map(fuzzy).join('|')})(?:s|ing|ed)?`;
const PLATFORM = `(?:${[...MESSENGERS, ...NETWORKS].map(fuzzy).join('|')})`;
const ACCOUNT = '(?:\\s+(?:handle|account|acc|user\\s?name|name|id|page|profile))?';
const HANDLE = '@?\\s?[a-z0-9_][a-z0-9._]{0,28}[a-z0-9_]';
/** "@home", "@ the salon": words people put after "@" that are not handles. */
const NOT_HANDLES = [
  'home',
  'work',
  'the',
  'my',
  'your',
  'salon',
  'studio',
  'noon',
  'lunch',
  'night',
  'midday',
  'midnight',
  'weekend',
  'location',
  'venue',
  'hotel',
  'station',
  'office',
  'church',
  'reception',
  'morning',
  'evening',
  'afternoon',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'mine',
  'yours',
  'ours',
];

/**
 * At a platform's name: the name, then what follows it, each in its own group:
 *   1 the name · 2 "insta: @jane", "snap = jane" · 3 "ig @jane" · 4 "my insta is jane" (needs "my"
 *   before) · 5 "whatsapp me" · 6 "ig jane_doe" (needs a dot, underscore or digit in the original)
 */
const AT_PLATFORM = new RegExp(
  `(${PLATFORM})(?:` +
    [
      `${ACCOUNT}\\s*(?:is\\s*)?(?:[:=]|->)\\s*(${HANDLE})`,
      `\\s*(@\\s*[a-z0-9_][a-z0-9._]{0,28}[a-z0-9_])`,
      `${ACCOUNT}\\s+is\\s+(${HANDLE})`,
      `\\s+(me|us)\\b`,
      `\\s+([a-z0-9_][a-z0-9._]{1,28}[a-z0-9_])`,
    ].join('|') +
    ')?',
  'y',
);
const IS_MESSENGER = new RegExp(`^${MESSENGER}$`);
const MY_BEFORE = /\bmy\s+$/;
/** "add me on", "find me on", "message me on", "hit me up on"… before the platform's name. */
const INVITE = '(?:add|follow|dm|message|msg|text|find|contact|hit|reach|call|chat\\s+with)';
const INVITATION_BEFORE = new RegExp(`\\b${INVITE}\\s+(?:me|us)\\s+(?:up\\s+)?(?:on|at|via|through|over|in)\\s+$`);
/** A bare "@jane_doe" (not an e-mail address: nothing address-like before the "@"). */
const BARE_HANDLE = new RegExp(`(?<![a-z0-9._%+-])@(?!(?:${NOT_HANDLES.join('|')})\\b)[a-z][a-z0-9._]{1,28}[a-z0-9_]`, 'g');
const HANDLE_MARK = /[._0-9]/;

export type HandleHandler = (start: number, end: number) => void;

/**
 * Handles in `text` (the letters form): around each platform's name the word matcher found (at
 * `platformStarts`), and bare "@handles". `original` gives the original text of a span: whether
 * "ig jane99" has a digit is decided there, as the letters form read "jane99" as "janegg".
 */
export function findHandles(
  text: string,
  platformStarts: readonly number[],
  original: (start: number, end: number) => string,
  report: HandleHandler,
): void {
  for (const start of platformStarts) {
    AT_PLATFORM.lastIndex = start;
    const m = AT_PLATFORM.exec(text);
    if (!m) continue;
    const [whole, name, colon, at, is, me, word] = m;
    const end = start + whole.length;
    const before = text.slice(Math.max(0, start - 40), start);
    const messenger = IS_MESSENGER.test(name!);
    if (colon || at) report(start, end);
    else if (is && MY_BEFORE.test(before)) report(start - MY_BEFORE.exec(before)![0].length, end);
    else if (me && (messenger || name!.startsWith('snap'))) report(start, end);
    else if (word && HANDLE_MARK.test(original(end - word.length, end))) report(start, end);
    else if (INVITATION_BEFORE.test(before)) report(start - INVITATION_BEFORE.exec(before)![0].length, start + name!.length);
    else if (messenger) report(start, start + name!.length);
  }
  if (!text.includes('@')) return;
  BARE_HANDLE.lastIndex = 0;
  for (let m = BARE_HANDLE.exec(text); m; m = BARE_HANDLE.exec(text)) report(m.index, m.index + m[0].length);
}
