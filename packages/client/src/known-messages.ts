// The messages this client has handed to the app or read for it (history pages), as they now
// are, so that a change the server sends as a delta (a reaction, the edit or deletion of a
// message that replies point at) becomes the whole message the app replaces its copy with.
// Bounded: the least recently touched go first; a change to one forgotten here still reaches
// the app whole, through the trailing sync's `changed`.
import type { Message, ReactionEvent, ReplyPreview } from '../../../bridge/src/protocol/types.ts';

/** A reaction as the app gets it: whether the connected user gave (or took back) it. */
export interface ReactionChange extends ReactionEvent {
  mine: boolean;
}

/** How much of the original a reply shows (the server's rule: 100 grapheme clusters, then `…`). */
const PREVIEW_GRAPHEMES = 100;

export class KnownMessages {
  private readonly messages = new Map<string, Message>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get(id: string): Message | undefined {
    return this.messages.get(id);
  }

  /** Keeps this version. */
  remember(message: Message): void {
    this.messages.delete(message.id);
    this.messages.set(message.id, message);
    // A Map iterates in insertion order: its first entry is the one touched longest ago.
    if (this.messages.size > this.limit) this.messages.delete(this.messages.keys().next().value!);
  }

  /**
   * A newer version of a message: kept, and returned when the app should replace its copy (it
   * differs from the known one, or this one was not known). An older edit than the known one is
   * ignored (an acknowledgement that arrives after a later edit's live event).
   */
  update(message: Message): Message | undefined {
    const known = this.messages.get(message.id);
    if (known?.editedAt && (!message.editedAt || message.editedAt < known.editedAt)) return undefined;
    this.remember(message);
    return known && sameState(known, message) ? undefined : message;
  }

  /** A reaction added or taken back: the message as it now is, when it is known and changed. */
  react(change: ReactionChange): Message | undefined {
    const known = this.messages.get(change.messageId);
    if (!known) return undefined;
    const reactions = withReaction(known.reactions, change);
    if (reactions === known.reactions) return undefined;
    const message = { ...known, reactions };
    this.remember(message);
    return message;
  }

  /** The original was edited: the known replies to it, with their preview now from its text. */
  repliesEdited(original: Message): Message[] {
    return this.rewriteReplies(original.id, previewOf(original));
  }

  /** A message was deleted: forgotten, and the known replies to it with a null preview. */
  deleted(messageId: string): Message[] {
    this.messages.delete(messageId);
    return this.rewriteReplies(messageId, null);
  }

  private rewriteReplies(originalId: string, preview: string | null): Message[] {
    const rewritten: Message[] = [];
    for (const message of this.messages.values()) {
      if (message.replyTo?.id !== originalId || message.replyTo.preview === preview) continue;
      const replyTo: ReplyPreview = { ...message.replyTo, preview };
      rewritten.push({ ...message, replyTo });
    }
    for (const message of rewritten) this.remember(message);
    return rewritten;
  }
}

/**
 * The reactions after a change; the same array when nothing changes. The connected user's own
 * reaction is applied once however often it is heard (`mine` says whether it is there already).
 */
export function withReaction(reactions: Message['reactions'], change: ReactionChange): Message['reactions'] {
  const index = reactions.findIndex((reaction) => reaction.key === change.key);
  const current = reactions[index];
  if (change.mine && (current?.mine ?? false) === change.on) return reactions;
  if (change.on) {
    if (!current) return [...reactions, { key: change.key, count: 1, mine: change.mine }];
    return reactions.map((r, i) => (i === index ? { ...r, count: r.count + 1, mine: r.mine || change.mine } : r));
  }
  if (!current) return reactions;
  if (current.count <= 1) return reactions.filter((_, i) => i !== index);
  return reactions.map((r, i) => (i === index ? { ...r, count: r.count - 1, mine: r.mine && !change.mine } : r));
}

function previewOf(message: Message): string {
  const text = message.text ?? (message.kind === 'image' ? 'Photo' : '');
  // Code points where there is no Intl.Segmenter (Hermes): a flag or a family may then be cut in two.
  const parts = Intl.Segmenter
    ? Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text), (part) => part.segment)
    : Array.from(text);
  return parts.length > PREVIEW_GRAPHEMES ? `${parts.slice(0, PREVIEW_GRAPHEMES).join('')}…` : text;
}

/** What can change about a message once written (its image links are signed anew at each read, so they are left out). */
function sameState(a: Message, b: Message): boolean {
  const state = (m: Message) => JSON.stringify([m.text ?? null, m.editedAt ?? null, m.replyTo ?? null, m.reactions]);
  return state(a) === state(b);
}
