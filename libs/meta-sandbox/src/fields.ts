import { type MetaError, paramError } from "./errors.js";

/** One entry of a Graph `fields` parameter: `instagram_business_account{id,username}` has sub-fields. */
export interface FieldSpec {
  name: string;
  sub: FieldSpec[] | undefined;
}

/** Parses `id,name,instagram_business_account{id,username}`; whitespace is ignored. */
export function parseFields(input: string): FieldSpec[] {
  let pos = 0;
  const text = input.replace(/\s+/g, "");

  function atEnd(depth: number): boolean {
    return depth === 0 ? pos >= text.length : text[pos] === "}";
  }

  function list(depth: number): FieldSpec[] {
    const out: FieldSpec[] = [];
    for (;;) {
      const start = pos;
      while (pos < text.length && /[A-Za-z0-9_.()]/.test(text[pos]!)) pos++;
      // Graph modifiers such as `.limit(10)` are accepted and ignored.
      const name = text.slice(start, pos).replace(/\..*$/, "");
      if (name) {
        let sub: FieldSpec[] | undefined;
        if (text[pos] === "{") {
          pos++;
          sub = list(depth + 1);
          pos++; // the closing brace list() stopped at
        }
        out.push({ name, sub });
      }
      if (text[pos] === ",") {
        pos++;
        continue;
      }
      if (atEnd(depth)) return out;
      throw syntaxError(input);
    }
  }

  return list(0);
}

function syntaxError(input: string): MetaError {
  return paramError(`Syntax error "Expected end of string instead of "{"." at character 0: ${input}`, 2500);
}

/** How to produce one field of a node; returns undefined to leave the field out (Meta omits empty edges). */
export type FieldResolver = (sub: FieldSpec[] | undefined) => unknown;

/**
 * Builds a node answer from the requested fields. Meta always includes `id`; a field the node type does not have
 * is an error, as on Meta.
 */
export function project(
  nodeType: string,
  id: string,
  fields: FieldSpec[],
  resolvers: Record<string, FieldResolver>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const resolve = resolvers[field.name];
    if (!resolve) {
      throw paramError(`(#100) Tried accessing nonexisting field (${field.name}) on node type (${nodeType})`);
    }
    const value = resolve(field.sub);
    if (value !== undefined) out[field.name] = value;
  }
  if (!("id" in out)) out.id = id;
  return out;
}

/** Fields requested, or the node type's defaults when the parameter is absent or empty. */
export function requestedFields(param: string | undefined, defaults: string): FieldSpec[] {
  return parseFields(param && param.trim() !== "" ? param : defaults);
}
