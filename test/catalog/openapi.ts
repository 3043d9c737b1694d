/**
 * Validates embedded-server responses against the official REST spec
 * (test/fixtures/rest-catalog-open-api.yaml) with openapi-response-validator.
 */
import { readFileSync } from 'node:fs';
import validatorModule from 'openapi-response-validator';
import { parse } from 'yaml';

const spec = parse(readFileSync(new URL('../fixtures/rest-catalog-open-api.yaml', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: Record<string, unknown>;
};

interface ResponseValidator {
  validateResponse(status: number, body: unknown): unknown;
}
// A CommonJS module whose default export is the class; NodeNext types see the namespace.
const OpenAPIResponseValidator = ((validatorModule as unknown as { default?: unknown }).default ??
  validatorModule) as new (args: {
  responses: unknown;
  components: unknown;
}) => ResponseValidator;

/** Returns the validation errors of a response (undefined when it conforms). */
export function validateResponse(path: string, method: string, status: number, body: unknown): unknown {
  return validatorFor(path, method).validateResponse(status, body);
}

const validators = new Map<string, ResponseValidator>();

function validatorFor(path: string, method: string): ResponseValidator {
  const key = `${method} ${path}`;
  const cached = validators.get(key);
  if (cached) return cached;
  const operation = spec.paths[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`no operation ${method} ${path} in the spec`);
  // The validator does not follow `$ref`s to components/responses; resolve them here.
  const responses = Object.fromEntries(
    Object.entries(operation.responses).map(([code, r]) => {
      const ref = (r as { $ref?: string }).$ref;
      return [code, ref ? (spec.components.responses as Record<string, unknown>)[ref.split('/').pop() as string] : r];
    }),
  );
  const validator = new OpenAPIResponseValidator({
    responses,
    components: spec.components,
  });
  validators.set(key, validator);
  return validator;
}

const templates = Object.keys(spec.paths).map((template) => ({
  template,
  regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/** A fetch that validates every catalog response against the spec and records the problems. */
export function validatingFetch(problems: string[], counter: { count: number }): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(String(input));
    const method = (init?.method ?? 'GET').toLowerCase();
    // Most specific template first (literal segments beat parameters).
    const match = templates
      .filter((t) => t.regex.test(url.pathname) && spec.paths[t.template]?.[method])
      .sort((a, b) => b.template.replace(/\{[^}]+\}/g, '').length - a.template.replace(/\{[^}]+\}/g, '').length)[0];
    if (!match) {
      problems.push(`${method} ${url.pathname}: no operation in the spec`);
      return response;
    }
    // HEAD answers carry no body (RFC 9110 §9.3.2): only the status is checked.
    if (method === 'head') {
      counter.count += 1;
      if (![204, 404].includes(response.status)) problems.push(`head ${match.template}: status ${response.status}`);
      return response;
    }
    const text = await response.clone().text();
    const body = text.length > 0 ? JSON.parse(text) : undefined;
    const errors = validateResponse(match.template, method, response.status, body);
    counter.count += 1;
    if (errors) problems.push(`${method} ${match.template} ${response.status}: ${JSON.stringify(errors)}`);
    return response;
  };
}
