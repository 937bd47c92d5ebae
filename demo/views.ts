// Rendering: the chat list and the open conversation, drawn again from ChatState on every change
// (a demo holds a few hundred messages at most).
import type { Chat, Message } from '@booking-chat/client';
import type { ChatState, Line } from './chat-state.ts';
import { clock, h, icon, initials, when } from './dom.ts';

/** The reactions the demo offers: a small fixed set, as most chat apps start with. */
export const REACTIONS = ['👍', '❤️', '😂', '😮', '🙏'] as const;

export interface ConversationActions {
  report(message: Message): void;
  reply(message: Message): void;
  edit(message: Message): void;
  remove(message: Message): void;
  toggleReaction(message: Message, key: string): void;
  /** The message whose Delete was clicked once: it asks to be clicked again. */
  armedDelete: string | undefined;
}

function preview(message: Message | null): string {
  if (!message) return 'No messages yet';
  if (message.kind === 'image') return `Photo${message.text ? `: ${message.text}` : ''}`;
  return message.text ?? message.system?.type ?? '';
}

export function chatList(state: ChatState, open: (bookingId: string) => void): HTMLElement {
  const chats = state.chatList();
  if (chats.length === 0) return h('p', { class: 'empty' }, 'No chats yet. Start a demo booking above.');
  return h(
    'ul',
    { class: 'chat-list' },
    ...chats.map((chat) =>
      h(
        'li',
        {
          class: `chat-item${chat.bookingId === state.openChat ? ' active' : ''}`,
          'data-booking': chat.bookingId,
          onclick: () => open(chat.bookingId),
        },
        h('span', { class: `avatar ${chat.counterpart.role}` }, initials(chat.counterpart.name)),
        h(
          'span',
          { class: 'chat-text' },
          h(
            'span',
            { class: 'chat-title' },
            h('strong', {}, chat.title ?? chat.bookingId),
            chat.unreadCount > 0 && h('span', { class: 'unread' }, String(chat.unreadCount)),
          ),
          h('span', { class: 'chat-counterpart' }, `${chat.counterpart.name} · ${chat.counterpart.role}`),
          h('span', { class: 'chat-preview' }, preview(chat.lastMessage)),
        ),
      ),
    ),
  );
}

export function chatHeader(chat: Chat, blocked: boolean, toggleBlock: () => void): HTMLElement {
  return h(
    'header',
    { class: 'chat-header' },
    h('span', { class: `avatar ${chat.counterpart.role}` }, initials(chat.counterpart.name)),
    h(
      'div',
      { class: 'booking' },
      h('h2', {}, chat.title ?? chat.bookingId),
      h(
        'p',
        {},
        chat.status && h('span', { class: `status-badge ${chat.status}` }, chat.status),
        chat.startsAt && h('span', { class: 'starts' }, icon('calendar'), when(chat.startsAt)),
        h('span', { class: 'counterpart' }, `with ${chat.counterpart.name} (${chat.counterpart.role})`),
      ),
    ),
    h(
      'button',
      { class: 'ghost block', type: 'button', onclick: toggleBlock },
      blocked ? `Unblock ${chat.counterpart.name}` : `Block ${chat.counterpart.name}`,
    ),
  );
}

function messageLine(line: Line, me: string, seen: string | undefined, actions: ConversationActions): HTMLElement {
  if (line.state !== 'sent') {
    const failed = line.state === 'failed';
    return h(
      'li',
      { class: `message mine ${line.state}`, 'data-state': line.state, 'data-client-id': line.entry.clientId },
      h('div', { class: 'bubble' }, h('p', { class: 'text' }, line.entry.text)),
      h(
        'span',
        { class: 'meta' },
        failed ? `Not sent: ${line.entry.error.message}` : h('span', {}, icon('clock'), 'Queued: sends when online'),
      ),
    );
  }
  const { message } = line;
  if (message.kind === 'system') {
    return h(
      'li',
      { class: 'message system', 'data-state': 'sent', 'data-id': message.id },
      h('p', { class: 'text' }, message.text ?? message.system?.type ?? ''),
    );
  }
  const mine = message.sender.id === me;
  return h(
    'li',
    { class: `message ${mine ? 'mine' : 'theirs'}`, 'data-state': 'sent', 'data-id': message.id },
    h(
      'div',
      {
        class: 'bubble',
        title: 'Tap to reply',
        // Tap a message to answer it (not when the tap opens its photo).
        onclick: (event) => {
          if (!(event.target as HTMLElement).closest('a')) actions.reply(message);
        },
      },
      !mine && h('span', { class: 'sender' }, message.sender.name),
      message.replyTo && quote(message.replyTo),
      message.image &&
        h(
          'a',
          { href: message.image.url, target: '_blank', rel: 'noopener' },
          h('img', { class: 'photo', src: message.image.thumbnailUrl, alt: message.text ?? 'photo' }),
        ),
      message.text && h('p', { class: 'text' }, message.text),
    ),
    reactionCounts(message, actions),
    h(
      'span',
      { class: 'meta' },
      clock(message.createdAt),
      message.editedAt && h('span', { class: 'edited', title: `Edited ${clock(message.editedAt)}` }, ' · edited'),
      mine && message.id === seen && h('span', { class: 'seen' }, ' · Seen'),
      h(
        'span',
        { class: 'actions' },
        ...REACTIONS.map((key) =>
          h('button', { class: 'link react', type: 'button', 'data-key': key, onclick: () => actions.toggleReaction(message, key) }, key),
        ),
        h('button', { class: 'link reply', type: 'button', onclick: () => actions.reply(message) }, 'Reply'),
        mine &&
          message.kind === 'text' &&
          h('button', { class: 'link edit', type: 'button', onclick: () => actions.edit(message) }, 'Edit'),
        mine &&
          h(
            'button',
            { class: 'link delete', type: 'button', onclick: () => actions.remove(message) },
            actions.armedDelete === message.id ? 'Delete for everyone?' : 'Delete',
          ),
        !mine &&
          message.sender.role !== 'support' &&
          h('button', { class: 'link report', type: 'button', onclick: () => actions.report(message) }, 'Report'),
      ),
    ),
  );
}

/** The message answered, above the reply: who wrote it and the start of its text as it now is. */
function quote(replyTo: NonNullable<Message['replyTo']>): HTMLElement {
  return h(
    'blockquote',
    { class: 'quote', 'data-reply-to': replyTo.id },
    h('span', { class: 'quote-sender' }, replyTo.sender.name),
    h('span', { class: `quote-text${replyTo.preview === null ? ' gone' : ''}` }, replyTo.preview ?? 'Deleted message'),
  );
}

/** One chip per key with its count; mine highlighted, and a tap takes mine back or adds it. */
function reactionCounts(message: Message, actions: ConversationActions): HTMLElement | false {
  if (message.reactions.length === 0) return false;
  return h(
    'div',
    { class: 'reactions' },
    ...message.reactions.map((reaction) =>
      h(
        'button',
        {
          class: `reaction${reaction.mine ? ' mine' : ''}`,
          type: 'button',
          'data-key': reaction.key,
          'aria-pressed': reaction.mine ? 'true' : 'false',
          onclick: () => actions.toggleReaction(message, reaction.key),
        },
        `${reaction.key} ${reaction.count}`,
      ),
    ),
  );
}

export function messageList(state: ChatState, bookingId: string, me: string, actions: ConversationActions): HTMLElement {
  const seen = state.seenMessage(bookingId);
  return h('ol', { class: 'messages' }, ...state.lines(bookingId).map((line) => messageLine(line, me, seen, actions)));
}

export function typingLine(names: string[]): string {
  if (names.length === 0) return '';
  return `${names.join(' and ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
}
