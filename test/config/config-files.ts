import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/errors.js';

/**
 * Config files written to a fresh directory: `write` one, and `problem`
 * loads a config that must be rejected and returns the ConfigError message.
 */
export function configFiles(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const problem = (text: string) => {
    try {
      loadConfig(write('bad.yaml', text));
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).message;
    }
    throw new Error('expected the config to be rejected');
  };
  return { dir, write, problem };
}
