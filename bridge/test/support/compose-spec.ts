// Validates a Compose file (parsed) against the official Compose Specification schema, vendored as
// bridge/test/fixtures/compose-spec.json: compose.test.ts tells where it comes from and why it is
// vendored.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under Node's ESM interop its default export may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

let validate: ReturnType<Ajv['compile']> | undefined;

/** Schema errors, one a line, or '' when the document is valid. */
export function composeSpecErrors(document: unknown): string {
  if (!validate) {
    const schema = JSON.parse(readFileSync(new URL('../fixtures/compose-spec.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    // The schema is draft-07 (Ajv's default) but names it by an https URL that Ajv's bundled
    // draft-07 meta-schema (http://json-schema.org/draft-07/schema#) does not answer to.
    delete schema.$schema;
    // strictTypes off: the schema uses union types throughout and, in `gpus`, puts object
    // keywords on an array; both are valid JSON Schema that Ajv's strict mode only warns about.
    const ajv = new Ajv({ allErrors: true, strictTypes: false });
    addFormats(ajv);
    validate = ajv.compile(schema);
  }
  return validate(document) ? '' : new Ajv().errorsText(validate.errors, { separator: '\n' });
}
