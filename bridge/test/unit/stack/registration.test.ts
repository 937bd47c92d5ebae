import { describe, expect, it } from 'vitest';
import { renderRegistration } from '../../../src/stack/registration.ts';

describe('the appservice registration', () => {
  const { parsed } = renderRegistration({
    appserviceUrl: 'http://bridge:9000',
    asToken: 'as-token-0123456789',
    hsToken: 'hs-token-0123456789',
    botLocalpart: 'bookingchat',
    serverName: 'chat.example.com',
  });
  const regex = new RegExp((parsed.namespaces as { users: { regex: string }[] }).users[0]!.regex);

  it('claims exactly the app users of this server (as Synapse matches: anchored at the start)', () => {
    expect(regex.test('@app_ann:chat.example.com')).toBe(true);
    expect(regex.test('@app_ann:chatXexample.com')).toBe(false);
    expect(regex.test('@app_ann:chat.example.com.evil.org')).toBe(false);
    expect(regex.test('@staff:chat.example.com')).toBe(false);
  });

  it('asks for ephemeral events and no rate limits', () => {
    expect(parsed).toMatchObject({ rate_limited: false, 'de.sorunome.msc2409.push_ephemeral': true, as_token: 'as-token-0123456789' });
  });
});
