// The demo web chat: sign in as any user (development only), start a demo booking, chat.
// Everything chat-related goes through the SDK, as an app would use it.
import { ChatError, createChatClient, indexedDbStorage, type ChatClient, type Message } from '@booking-chat/client';
import { ChatState } from './chat-state.ts';
import { devToken, startDemoBooking, type DemoUser } from './dev-api.ts';
import { byId, h, icon, initials } from './dom.ts';
import { chatHeader, chatList, messageList, typingLine } from './views.ts';

const STATUS_TEXT = { online: 'Online', connecting: 'Connecting…', offline: 'Offline' } as const;
const TYPING_IDLE_MS = 3_000;

function signInForm(): void {
  const form = byId<HTMLFormElement>('sign-in');
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  for (const button of form.querySelectorAll<HTMLButtonElement>('.quick button')) {
    button.addEventListener('click', () => {
      field('userId').value = button.dataset.user!;
      field('name').value = button.dataset.name!;
      form.querySelector<HTMLInputElement>(`input[name=role][value=${button.dataset.role}]`)!.checked = true;
    });
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const role = (form.querySelector<HTMLInputElement>('input[name=role]:checked')?.value ?? 'customer') as DemoUser['role'];
    const userId = field('userId').value.trim();
    void signIn({ userId, role, name: field('name').value.trim() || userId });
  });
}

async function signIn(user: DemoUser): Promise<void> {
  const client = createChatClient({
    url: location.origin,
    token: () => devToken(user),
    // The outbox and cursor survive reloads: a message queued offline is sent after the next sign-in too.
    storage: indexedDbStorage('booking-chat-demo'),
    storageKey: `user:${user.userId}`,
  });
  const shell = new Shell(client, user);
  await client.connect();
  await shell.state.loadChats();
}

class Shell {
  readonly state: ChatState;
  private readonly client: ChatClient;
  private readonly user: DemoUser;
  private readonly blocked = new Set<string>();
  private readonly root: HTMLElement;
  private renderQueued = false;
  private typingTimer: number | undefined;
  /** What the composer does with its text: a new message, a reply, or an edit of one of mine. */
  private composing: { mode: 'reply' | 'edit'; message: Message } | undefined;
  private armedDelete: string | undefined;

  constructor(client: ChatClient, user: DemoUser) {
    this.client = client;
    this.user = user;
    this.state = new ChatState(client, user.userId, () => this.queueRender());
    this.root = byId('app');
    this.root.replaceChildren(this.layout());
    document.addEventListener('visibilitychange', () => void this.state.markRead().catch(() => undefined));
    // A photo that loads after the list was drawn grows it: keep the newest message in view.
    byId('messages').addEventListener(
      'load',
      (event) => {
        const message = (event.target as HTMLElement).closest('.message');
        if (message && !message.nextElementSibling) message.scrollIntoView({ block: 'end' });
      },
      true,
    );
    client.on('status', (status) => {
      if (status === 'online') void this.state.loadChats().catch(() => undefined);
    });
    this.queueRender();
  }

  private layout(): HTMLElement {
    return h(
      'div',
      { class: 'shell' },
      h(
        'aside',
        { class: 'sidebar' },
        h(
          'header',
          { class: 'me' },
          h('span', { class: `avatar ${this.user.role}` }, initials(this.user.name)),
          h('span', { class: 'me-text' }, h('strong', {}, this.user.name), h('span', {}, `${this.user.userId} · ${this.user.role}`)),
          h('span', { id: 'status', class: 'status-pill' }),
        ),
        this.newBookingForm(),
        h('nav', { id: 'chats' }),
      ),
      h(
        'section',
        { class: 'conversation' },
        h('div', { id: 'chat-header' }),
        h(
          'div',
          { id: 'offline-banner', class: 'offline-banner', hidden: true },
          "You're offline. New messages are queued and sent, once each, when you're back.",
        ),
        h('div', { id: 'messages', class: 'scroller' }),
        h('div', { id: 'typing', class: 'typing' }),
        h(
          'div',
          { id: 'upload', class: 'upload', hidden: true },
          h('span', { id: 'upload-label' }, 'Uploading photo…'),
          h('progress', { id: 'upload-progress', max: '1', value: '0' }),
        ),
        h('div', { id: 'composer-context', class: 'composer-context', hidden: true }),
        this.composer(),
      ),
      this.reportDialog(),
    );
  }

  private newBookingForm(): HTMLElement {
    const other =
      this.user.role === 'customer'
        ? { id: 'bea', name: 'Bea Artist', role: 'artist' }
        : { id: 'ann', name: 'Ann Customer', role: 'customer' };
    const form = h(
      'form',
      { class: 'new-booking', id: 'new-booking' },
      h('p', { class: 'label' }, `Start a demo booking with ${other.role === 'artist' ? 'an artist' : 'a customer'}`),
      h(
        'div',
        { class: 'row' },
        h('input', { name: 'otherId', value: other.id, 'aria-label': `${other.role} id`, required: true }),
        h('input', { name: 'otherName', value: other.name, 'aria-label': `${other.role} name`, required: true }),
      ),
      h(
        'div',
        { class: 'row' },
        h('input', { name: 'title', value: 'Fine-line forearm tattoo', 'aria-label': 'booking title', required: true }),
        h('button', { type: 'submit', class: 'primary' }, 'Start'),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
      void startDemoBooking(this.user, { id: value('otherId'), name: value('otherName') }, value('title'))
        .then((bookingId) => this.state.loadChats().then(() => this.state.open(bookingId)))
        .catch((error: Error) => alert(error.message));
    });
    return form;
  }

  private composer(): HTMLElement {
    const input = h('input', { id: 'text', name: 'text', placeholder: 'Write a message…', autocomplete: 'off', maxlength: '4000' });
    const file = h('input', { id: 'photo', type: 'file', accept: 'image/*', hidden: true });
    const form = h(
      'form',
      { id: 'composer', class: 'composer' },
      h('label', { class: 'photo-button', for: 'photo', title: 'Send a photo' }, icon('camera')),
      file,
      input,
      h('button', { type: 'submit', class: 'primary' }, 'Send'),
    );
    input.addEventListener('input', () => this.typing(input.value.length > 0));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const bookingId = this.state.openChat;
      const text = input.value.trim();
      if (!bookingId || !text) return;
      const composing = this.composing;
      input.value = '';
      this.compose(undefined);
      this.typing(false);
      if (composing?.mode === 'edit') {
        // Not queued: offline (or refused) it fails at once, and the text comes back to try again.
        this.client.editMessage(bookingId, composing.message.id, text).catch((error: Error) => {
          this.toast(`Not edited: ${error.message}`);
          input.value = text;
          this.compose(composing);
        });
        return;
      }
      // Queued at once, online or not; the outbox event redraws it as pending until it is stored.
      this.client.send(bookingId, text, { replyTo: composing?.message.id }).catch(() => undefined);
    });
    file.addEventListener('change', () => {
      const image = file.files?.[0];
      file.value = '';
      if (image && this.state.openChat) void this.sendPhoto(this.state.openChat, image, input);
    });
    return form;
  }

  private async sendPhoto(bookingId: string, image: File, input: HTMLInputElement): Promise<void> {
    const bar = byId<HTMLProgressElement>('upload-progress');
    const box = byId('upload');
    const caption = input.value.trim() || undefined;
    input.value = '';
    box.hidden = false;
    bar.value = 0;
    byId('upload-label').textContent = `Uploading ${image.name}…`;
    try {
      await this.client.sendImage(bookingId, image, {
        caption,
        filename: image.name,
        onProgress: ({ loaded, total }) => (bar.value = total ? loaded / total : 0),
      });
    } catch (error) {
      alert(`The photo was not sent: ${error instanceof ChatError ? error.message : String(error)}`);
    } finally {
      box.hidden = true;
    }
  }

  /** Starts (or, with undefined, ends) replying to or editing a message; shown above the composer. */
  private compose(composing: Shell['composing']): void {
    this.composing = composing;
    const bar = byId('composer-context');
    bar.hidden = !composing;
    if (!composing) return void bar.replaceChildren();
    const { mode, message } = composing;
    bar.replaceChildren(
      h(
        'span',
        { class: 'context-text' },
        h('strong', {}, mode === 'edit' ? 'Editing' : `Replying to ${message.sender.name}`),
        ` ${message.text ?? 'Photo'}`,
      ),
      h('button', { type: 'button', class: 'link cancel', 'aria-label': 'Cancel', onclick: () => this.compose(undefined) }, '✕'),
    );
    const input = byId<HTMLInputElement>('text');
    if (mode === 'edit') input.value = message.text ?? '';
    input.focus();
  }

  private toggleReaction(message: Message, key: string): void {
    const mine = message.reactions.some((reaction) => reaction.key === key && reaction.mine);
    // The new count arrives as message:updated once the bridge has it.
    (mine ? this.client.unreact(message.bookingId, message.id, key) : this.client.react(message.bookingId, message.id, key)).catch(
      (error: Error) => this.toast(`Reaction not sent: ${error.message}`),
    );
  }

  /** Delete asks once more ("Delete for everyone?") before it deletes. */
  private remove(message: Message): void {
    if (this.armedDelete !== message.id) {
      this.armedDelete = message.id;
      return this.queueRender();
    }
    this.armedDelete = undefined;
    if (this.composing?.message.id === message.id) this.compose(undefined);
    this.client.deleteMessage(message.bookingId, message.id).catch((error: Error) => this.toast(`Not deleted: ${error.message}`));
    this.queueRender();
  }

  private typing(on: boolean): void {
    const bookingId = this.state.openChat;
    if (!bookingId) return;
    clearTimeout(this.typingTimer);
    this.client.setTyping(bookingId, on);
    if (on) this.typingTimer = window.setTimeout(() => this.client.setTyping(bookingId, false), TYPING_IDLE_MS);
  }

  private reportDialog(): HTMLElement {
    const reason = h('textarea', { name: 'reason', required: true, maxlength: '500', placeholder: 'What is wrong with this message?' });
    const dialog = h(
      'dialog',
      { id: 'report-dialog' },
      h(
        'form',
        { method: 'dialog' },
        h('h3', {}, 'Report message'),
        h('blockquote', { id: 'report-quote' }),
        reason,
        h(
          'div',
          { class: 'row end' },
          h('button', { value: 'cancel', formnovalidate: true, class: 'ghost' }, 'Cancel'),
          h('button', { value: 'report', class: 'danger' }, 'Report'),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      const messageId = dialog.dataset.messageId;
      if (dialog.returnValue === 'report' && messageId) {
        void this.client.report(messageId, reason.value.trim()).then(
          () => this.toast('Reported. Support will review the conversation.'),
          (error: Error) => this.toast(`Report failed: ${error.message}`),
        );
      }
      reason.value = '';
    });
    return dialog;
  }

  private report(message: Message): void {
    const dialog = byId<HTMLDialogElement>('report-dialog');
    dialog.dataset.messageId = message.id;
    byId('report-quote').textContent = message.text ?? 'photo';
    dialog.showModal();
  }

  private async toggleBlock(userId: string): Promise<void> {
    const blocking = !this.blocked.has(userId);
    await (blocking ? this.client.block(userId) : this.client.unblock(userId));
    if (blocking) this.blocked.add(userId);
    else this.blocked.delete(userId);
    this.toast(blocking ? "Blocked: their messages no longer reach you, and they can't write to you." : 'Unblocked.');
    this.queueRender();
  }

  private toast(text: string): void {
    const note = h('div', { class: 'toast', role: 'status' }, text);
    document.body.append(note);
    setTimeout(() => note.remove(), 4_000);
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private render(): void {
    const status = this.client.status;
    const pill = byId('status');
    pill.textContent = STATUS_TEXT[status];
    pill.dataset.status = status;
    byId('offline-banner').hidden = status === 'online';
    byId('chats').replaceChildren(
      chatList(this.state, (bookingId) => void this.state.open(bookingId).catch((error: Error) => this.toast(error.message))),
    );
    const bookingId = this.state.openChat;
    const chat = bookingId ? this.state.chats.get(bookingId) : undefined;
    if (this.composing && this.composing.message.bookingId !== bookingId) this.compose(undefined);
    this.root.querySelector('.conversation')!.classList.toggle('none', !chat);
    if (!bookingId || !chat) {
      byId('chat-header').replaceChildren(h('p', { class: 'empty' }, 'Pick a chat, or start a demo booking.'));
      byId('messages').replaceChildren();
      return;
    }
    byId('chat-header').replaceChildren(
      chatHeader(
        chat,
        this.blocked.has(chat.counterpart.id),
        () => void this.toggleBlock(chat.counterpart.id).catch((error: Error) => this.toast(error.message)),
      ),
    );
    const scroller = byId('messages');
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    scroller.replaceChildren(
      messageList(this.state, bookingId, this.user.userId, {
        report: (message) => this.report(message),
        reply: (message) => this.compose({ mode: 'reply', message }),
        edit: (message) => this.compose({ mode: 'edit', message }),
        remove: (message) => this.remove(message),
        toggleReaction: (message, key) => this.toggleReaction(message, key),
        armedDelete: this.armedDelete,
      }),
    );
    if (atBottom) scroller.scrollTop = scroller.scrollHeight;
    byId('typing').textContent = typingLine(this.state.typingIn(bookingId));
  }
}

signInForm();
