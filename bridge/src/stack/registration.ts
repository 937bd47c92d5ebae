// The appservice registration: the committed template filled with this deployment's values.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { escapeRegex, renderTemplate } from './template.ts';

export const REGISTRATION_TEMPLATE = join(import.meta.dirname, '..', '..', '..', 'registration.yaml');

export interface RegistrationValues {
  appserviceUrl: string;
  asToken: string;
  hsToken: string;
  botLocalpart: string;
  serverName: string;
}

export function renderRegistration(values: RegistrationValues): { yaml: string; parsed: Record<string, unknown> } {
  const yaml = renderTemplate(REGISTRATION_TEMPLATE, {
    APPSERVICE_URL: values.appserviceUrl,
    AS_TOKEN: values.asToken,
    HS_TOKEN: values.hsToken,
    BOT_LOCALPART: values.botLocalpart,
    // Doubled backslashes: the value sits inside a double-quoted YAML string.
    SERVER_NAME_REGEX: escapeRegex(values.serverName).replace(/\\/g, '\\\\'),
  });
  return { yaml, parsed: parseYaml(yaml) as Record<string, unknown> };
}

export function writeRegistration(dir: string, values: RegistrationValues): string {
  const path = join(dir, 'registration.yaml');
  writeFileSync(path, renderRegistration(values).yaml, { mode: 0o600 });
  return path;
}
