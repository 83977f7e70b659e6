import { readFile } from 'node:fs/promises';
import nodeVault from 'node-vault';
import type { VaultSettings } from './app-config.js';

/** Values that must never be logged. From Vault KV v2 when VAULT_ADDR is set, else from the environment. */
export interface AppSecrets {
  adminApiKey?: string;
  mlflowUsername?: string;
  mlflowPassword?: string;
  mlflowToken?: string;
  logHashKey?: string;
}

export type SecretsSource = 'vault' | 'environment';

/** Keys of the Vault secret (docs/configuration.md) mapped to the environment variables they replace. */
const SECRET_KEYS = {
  adminApiKey: ['admin_api_key', 'ADMIN_API_KEY'],
  mlflowUsername: ['mlflow_tracking_username', 'MLFLOW_TRACKING_USERNAME'],
  mlflowPassword: ['mlflow_tracking_password', 'MLFLOW_TRACKING_PASSWORD'],
  mlflowToken: ['mlflow_tracking_token', 'MLFLOW_TRACKING_TOKEN'],
  logHashKey: ['log_hash_key', 'LOG_HASH_KEY'],
} as const satisfies Record<keyof AppSecrets, readonly [string, string]>;

function pickSecrets(values: Readonly<Record<string, unknown>>, keyIndex: 0 | 1): AppSecrets {
  const secrets: AppSecrets = {};
  for (const [field, keys] of Object.entries(SECRET_KEYS) as [keyof AppSecrets, readonly [string, string]][]) {
    const value = values[keys[keyIndex]];
    if (typeof value === 'string' && value !== '') secrets[field] = value;
  }
  return secrets;
}

export class SecretsLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsLoadError';
  }
}

/** Per Vault request (Kubernetes auth makes two): a hung Vault must not hold up the start for long. */
const VAULT_REQUEST_TIMEOUT_MS = 3_000;

export function secretsFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): AppSecrets {
  return pickSecrets(env, 1);
}

/** One read of the KV v2 secret; throws SecretsLoadError, whose message never carries a token or the request options. */
export async function readSecretsFromVault(settings: VaultSettings): Promise<AppSecrets> {
  const vault = nodeVault({
    endpoint: settings.address,
    apiVersion: 'v1',
    token: settings.token,
    requestOptions: { timeout: VAULT_REQUEST_TIMEOUT_MS },
  });
  try {
    if (settings.authMethod === 'kubernetes') {
      const jwt = (await readFile(settings.kubernetesJwtPath, 'utf8')).trim();
      // kubernetesLogin stores the returned client token on the client (node-vault's tokenSource).
      await vault.kubernetesLogin({ role: settings.kubernetesRole, jwt, mount_point: settings.kubernetesMount });
    }
    const response = (await vault.read(`${settings.kvMount}/data/${settings.secretPath}`)) as {
      data?: { data?: Record<string, unknown> };
    };
    return pickSecrets(response.data?.data ?? {}, 0);
  } catch (error) {
    // node-vault errors can carry request options (and so the token): report only the message and status.
    const status = (error as { response?: { statusCode?: number } }).response?.statusCode;
    const reason = error instanceof Error ? error.message : String(error);
    throw new SecretsLoadError(
      `cannot read secrets from Vault at ${settings.address} (${settings.authMethod} auth${status ? `, HTTP ${status}` : ''}): ${reason}`,
    );
  }
}
