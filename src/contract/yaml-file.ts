import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * Reads a YAML file and checks it against a zod schema, reporting every
 * problem as `file:line: key: message` so that a reader can jump to it.
 * Shared by contracts, policies and sluice.yaml.
 */
export interface ParsedYaml<T> {
  readonly value: T;
  readonly text: string;
  /** Line (1-based) of the node at a path, for later semantic checks. */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

/**
 * How a config file is named in operator-facing messages: relative to the
 * working directory when inside it, else in full. (Messages to API callers
 * never name files; see errors.ts.)
 */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || isAbsolute(rel) ? resolve(file) : rel;
}

export function readYaml<S extends z.ZodType>(file: string, schema: S): ParsedYaml<z.infer<S>> {
  const shown = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(shown, 'cannot be read');
  }
  return parseYaml(text, shown, schema);
}

export function parseYaml<S extends z.ZodType>(text: string, shown: string, schema: S): ParsedYaml<z.infer<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineCounter.linePos(e.pos[0]).line;
    throw new ConfigError(`${shown}:${line}`, `malformed YAML: ${firstLine(e.message)}`);
  }
  const lineOf = (path: readonly (string | number)[]) => nodeLine(doc, lineCounter, path);
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const at = keys.length > 0 ? [...path, keys[0]!] : path;
    const line = lineOf(at) ?? lineOf(path);
    const where = line === undefined ? shown : `${shown}:${line}`;
    const key = at.length > 0 ? `${at.join('.')}: ` : '';
    const message = keys.length > 0 ? `unknown key "${keys.join('", "')}"` : issue.message;
    throw new ConfigError(where, `${key}${message}`);
  }
  return { value: result.data, text, lineOf };
}

function nodeLine(doc: Document, lc: LineCounter, path: readonly (string | number)[]): number | undefined {
  // For a key path, point at the key itself when the pair exists.
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

const firstLine = (s: string) => s.split('\n')[0]!.trim();
