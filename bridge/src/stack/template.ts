// Fills ${NAME} placeholders in the committed templates (synapse-config/, registration.yaml).
import { readFileSync } from 'node:fs';

export function renderTemplate(path: string, values: Record<string, string | number>): string {
  return readFileSync(path, 'utf8').replace(/\$\{([A-Z_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${path}: no value for \${${name}}`);
    return String(value);
  });
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
