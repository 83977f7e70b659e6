import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_ROOT } from '../app-root.js';
import { loadAppConfig } from './app-config.js';
import { secretsFromEnvironment } from './app-secrets.js';

/**
 * docs/configuration.md is the one table of environment variables that compose files, Kubernetes manifests and
 * Ansible roles are written against. Record which variables the service really reads (a Proxy over the
 * environment) and compare both ways with the documented names.
 */
function variablesRead(readEnvironment: (env: Record<string, string | undefined>) => unknown, env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const recording = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  readEnvironment(recording);
  return read;
}

function documentedVariables(): Set<string> {
  const document = readFileSync(join(APP_ROOT, 'docs', 'configuration.md'), 'utf8');
  const firstCells = document
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|')[1]);
  return new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1])));
}

describe('docs/configuration.md', () => {
  it('documents exactly the environment variables the service reads', () => {
    // Every optional branch switched on, so every variable is asked for at least once.
    const env = {
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000',
      VAULT_ADDR: 'http://127.0.0.1:8200',
      VAULT_AUTH_METHOD: 'kubernetes',
      VAULT_K8S_ROLE: 'spam-classifier',
    };
    const read = new Set([...variablesRead(loadAppConfig, env), ...variablesRead(secretsFromEnvironment, {})]);
    const documented = documentedVariables();
    expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([]);
    expect([...documented].filter((name) => !read.has(name)).sort()).toEqual([]);
  });
});
