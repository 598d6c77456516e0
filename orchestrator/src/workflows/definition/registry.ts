import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { type Logger, ToolError } from '@switchboard/shared';
import { parse as parseYaml } from 'yaml';
import type { Expressions } from '../expressions/expressions.ts';
import type { RunStore, StoredDefinition } from '../store/types.ts';
import { summarize } from '../validation/problems.ts';
import { validateDefinition } from '../validation/validate.ts';
import { definitionHash } from './hash.ts';
import type { Definition } from './schema.ts';

const EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

/**
 * Named, versioned definitions in the run store (so every replica sees the same ones): registered by tool, or
 * loaded from a directory at start. A name and version, once registered, keep their content; the directory is
 * the exception: its files are the source of truth, and a changed file replaces the stored version (runs started
 * from the old content then refuse to resume, since their definition hash no longer matches).
 */
export class DefinitionRegistry {
  readonly #store: RunStore;
  readonly #expressions: Expressions;
  readonly #log: Logger;

  constructor(store: RunStore, expressions: Expressions, log: Logger) {
    this.#store = store;
    this.#expressions = expressions;
    this.#log = log;
  }

  async register(definition: Definition): Promise<{ stored: StoredDefinition; created: boolean }> {
    const stored: StoredDefinition = {
      name: definition.name,
      version: definition.version,
      hash: definitionHash(definition),
      definition,
      source: 'registered',
      createdAt: Date.now(),
    };
    const outcome = await this.#store.putDefinition(stored, false);
    if (outcome === 'conflict') {
      throw new ToolError(
        'CONFLICT',
        `workflow ${definition.name} version ${definition.version} is already registered with other content; register a new version`,
      );
    }
    return { stored: (await this.#store.getDefinition(stored.name, stored.version)) ?? stored, created: outcome === 'created' };
  }

  get(name: string, version?: string): Promise<StoredDefinition | undefined> {
    return this.#store.getDefinition(name, version);
  }

  list(name: string | undefined, limit: number, offset: number) {
    return this.#store.listDefinitions(name, limit, offset);
  }

  /** Loads every *.json / *.yaml definition of a directory; a bad file is logged with all its problems and skipped. */
  async loadDirectory(dir: string): Promise<number> {
    let files: string[];
    try {
      files = readdirSync(dir)
        .filter((f) => EXTENSIONS.has(extname(f)))
        .sort();
    } catch (error) {
      this.#log.error({ dir, err: error }, 'workflow definitions directory cannot be read');
      return 0;
    }
    let loaded = 0;
    for (const file of files) {
      const path = join(dir, file);
      let raw: unknown;
      try {
        const text = readFileSync(path, 'utf8');
        raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
      } catch (error) {
        this.#log.error({ file: path, err: error }, 'workflow definition file cannot be parsed');
        continue;
      }
      const result = validateDefinition(raw, { expressions: this.#expressions });
      if (!result.definition) {
        this.#log.error(
          { file: path, problems: result.problems },
          `workflow definition is invalid: ${summarize(result.problems)}`,
        );
        continue;
      }
      const definition = result.definition;
      const outcome = await this.#store.putDefinition(
        {
          name: definition.name,
          version: definition.version,
          hash: definitionHash(definition),
          definition,
          source: 'directory',
          createdAt: Date.now(),
        },
        true,
      );
      if (outcome === 'replaced') {
        this.#log.warn(
          { file: path, workflow: definition.name, version: definition.version },
          'workflow definition changed on disk without a new version; unfinished runs of the old content will not resume',
        );
      }
      loaded += 1;
    }
    this.#log.info({ dir, loaded }, 'workflow definitions loaded');
    return loaded;
  }
}
