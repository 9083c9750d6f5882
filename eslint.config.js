// ESLint (flat config): typescript-eslint's recommended rules, and the layer
// order of src/ as import boundaries (ARCHITECTURE.md).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The folders of src/, outermost first. A folder may import only from the
 * folders after it (and from itself); `errors.ts` is shared by all. The order
 * is the request's path read from the outside in: the server hands a request
 * to the GraphQL layer, which compiles it to a plan that the session runs
 * through policy, optimizer and engine; response assembles lineage and audit
 * from what the session ran. The plan IR, contracts and config are the data
 * every layer speaks.
 */
export const LAYERS = [
  'cli',
  'server',
  'graphql',
  'response',
  'session',
  'policy',
  'optimizer',
  'engine',
  'config',
  'plan',
  'contract',
  'telemetry',
];
/** Pairs within the order that still may not meet: the optimizer and the engine know nothing of each other. */
export const APART = { optimizer: ['engine'], engine: ['optimizer'], policy: ['optimizer', 'engine'] };

const boundary = (layer, i) => {
  const apart = APART[layer] ?? [];
  const forbidden = [...LAYERS.slice(0, i), ...apart];
  const allowed = LAYERS.slice(i + 1).filter((l) => !apart.includes(l));
  const patterns = [];
  if (forbidden.length > 0)
    patterns.push({
      // A relative import that climbs out of this folder into a folder it may not use.
      regex: `^(\\./)?(\\.\\./)+(${forbidden.join('|')})(/|\\.js$)`,
      message: `src/${layer} may import only from ${allowed.join(', ') || 'errors.ts'}: see ARCHITECTURE.md`,
    });
  if (layer !== 'engine' && !forbidden.includes('engine'))
    patterns.push({
      // The engine's rooms are its own: other layers see only its public entry.
      regex: '^(\\./)?(\\.\\./)+engine/(?!engine\\.js$)',
      message: `src/${layer} may import the engine only through engine/engine.js: see ARCHITECTURE.md`,
    });
  if (patterns.length === 0) return [];
  return [{ files: [`src/${layer}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } }];
};

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'bench/.cache/', 'partners/generated/', 'examples/*/src/gql/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // The browser examples run in a page, not in Node.
  { files: ['examples/*/src/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
  ...LAYERS.flatMap(boundary),
);
