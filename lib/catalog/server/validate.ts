/**
 * Checks a request's table content against the spec before it reaches metadata: schemas with
 * known types and field ids, `format-version` 1–3, properties as string → string maps, and JSON
 * nesting bounded. Anything else is a 400 with the spec's error model, never a 500 (issue 12).
 */
import { parsePrimitive } from '../../iceberg/schema.js';
import type { TableUpdate } from '../../iceberg/types.js';
import { ServerError } from './server-error.js';

/** Deepest JSON nesting a request body may have (a schema nests far less). */
export const MAX_JSON_DEPTH = 128;

function bad(message: string): ServerError {
  return new ServerError(400, 'BadRequestException', message);
}

/** Throws a 400 when `text` nests arrays/objects deeper than `MAX_JSON_DEPTH` (outside strings). */
export function checkJsonDepth(text: string): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip a string: to the next quote not escaped by an odd run of backslashes.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) throw bad(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (c === 93 || c === 125) depth--;
  }
}

/** A string → string map, or a 400 naming `what`. */
export function checkStringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(`${what} must be an object of strings`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw bad(`${what}: value of "${k}" must be a string`);
  }
  return value as Record<string, string>;
}

/** A string array, or a 400. */
export function checkStringArray(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw bad(`${what} must be an array of strings`);
  return value as string[];
}

/** 1, 2 or 3, or a 400. */
export function checkFormatVersion(value: unknown): 1 | 2 | 3 {
  const n = Number(value);
  if (n !== 1 && n !== 2 && n !== 3) throw bad(`format-version must be 1, 2 or 3, not ${JSON.stringify(value)}`);
  return n;
}

/** Throws a 400 unless `schema` is a struct of fields with ids, names and known types. */
export function checkSchema(schema: unknown): void {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) throw bad('schema must be an object');
  const s = schema as { type?: unknown; fields?: unknown };
  if (s.type !== undefined && s.type !== 'struct') throw bad('schema type must be "struct"');
  checkStruct(s.fields, 'schema');
}

function checkStruct(fields: unknown, where: string): void {
  if (!Array.isArray(fields)) throw bad(`${where}: fields must be an array`);
  for (const f of fields) {
    if (!f || typeof f !== 'object') throw bad(`${where}: a field must be an object`);
    const field = f as { id?: unknown; name?: unknown; required?: unknown; type?: unknown };
    if (!Number.isInteger(field.id)) throw bad(`${where}: field id must be an integer`);
    if (typeof field.name !== 'string') throw bad(`${where}: field ${field.id} needs a name`);
    if (field.required !== undefined && typeof field.required !== 'boolean')
      throw bad(`${where}.${field.name}: required must be a boolean`);
    checkType(field.type, `${where}.${field.name}`);
  }
}

function checkType(type: unknown, where: string): void {
  if (typeof type === 'string') {
    try {
      parsePrimitive(type);
    } catch {
      throw bad(`${where}: unknown type ${JSON.stringify(type)}`);
    }
    return;
  }
  if (!type || typeof type !== 'object') throw bad(`${where}: type must be a string or an object`);
  const t = type as Record<string, unknown>;
  if (t.type === 'struct') {
    checkStruct(t.fields, where);
  } else if (t.type === 'list') {
    if (!Number.isInteger(t['element-id'])) throw bad(`${where}: list needs an integer element-id`);
    checkType(t.element, `${where}.element`);
  } else if (t.type === 'map') {
    if (!Number.isInteger(t['key-id']) || !Number.isInteger(t['value-id']))
      throw bad(`${where}: map needs integer key-id and value-id`);
    checkType(t.key, `${where}.key`);
    checkType(t.value, `${where}.value`);
  } else {
    throw bad(`${where}: unknown type ${JSON.stringify(t.type)}`);
  }
}

/** Checks the content of updates that carry table content (schemas, properties, versions). */
export function checkUpdates(updates: unknown[]): void {
  for (const u of updates) {
    if (!u || typeof u !== 'object' || Array.isArray(u)) throw bad('each update must be an object');
    const update = u as TableUpdate & Record<string, unknown>;
    if (typeof update.action !== 'string') throw bad('each update needs an action');
    switch (update.action) {
      case 'add-schema':
        checkSchema(update.schema);
        break;
      case 'upgrade-format-version':
        checkFormatVersion(update['format-version']);
        break;
      case 'set-properties':
        checkStringMap(update.updates, 'set-properties updates');
        break;
      case 'remove-properties':
        checkStringArray(update.removals, 'remove-properties removals');
        break;
    }
  }
}
