import type { AppSecrets } from '../config/app-secrets.js';
import { GOLDEN_FILE } from './golden-check.js';

/** The artifact a model version serves from (docs/model-format.md). */
export const MODEL_ARTIFACT_FILE = 'model.json';

/** The fields of an MLflow ModelVersion this service uses (REST API 2.0). */
export interface MlflowModelVersion {
  name: string;
  version: string;
  run_id?: string;
  source?: string;
  current_stage?: string;
  aliases?: string[];
  tags?: { key: string; value?: string }[];
}

/** Version tags the training CLI's promotion gate writes (training/registry.py, docs/training.md). */
export const GATE_DECISION_TAG = 'gate.decision';
export const GATE_OVERRIDE_TAG = 'gate.override';

/**
 * Why a version may not be served for its gate tags, or undefined when it may: the gate promoted it, or an operator
 * force-promoted it (a rollback). A version without a verdict did not come through the gate at all.
 */
export function gateVerdictProblem(version: MlflowModelVersion): string | undefined {
  const tag = (key: string): string | undefined => version.tags?.find((candidate) => candidate.key === key)?.value;
  if (tag(GATE_OVERRIDE_TAG) === 'force-promoted') return undefined;
  const decision = tag(GATE_DECISION_TAG);
  if (decision === 'promoted') return undefined;
  if (decision === undefined) {
    return `version ${version.version} has no ${GATE_DECISION_TAG} tag: it did not pass the promotion gate (force-promote it to serve it anyway)`;
  }
  return `version ${version.version} has ${GATE_DECISION_TAG}=${decision}: the gate did not promote it (force-promote it to serve it anyway)`;
}

/** MLflow answered with an error status, or could not be reached at all (`status` undefined). */
export class MlflowRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = 'MlflowRequestError';
  }
}

const REQUEST_TIMEOUT_MS = 10_000;
const MLFLOW_ARTIFACTS_SCHEME = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*/;

/**
 * A small typed client for the MLflow tracking server REST API over fetch. The npm `mlflow` package is stale and
 * knows no aliases; this covers exactly what serving needs: resolve a version, download one artifact file.
 */
export class MlflowClient {
  /** `secrets` is asked per request: Vault credentials may arrive (or rotate) after the client was built. */
  constructor(
    private readonly baseUrl: string,
    private readonly secrets: () => Readonly<AppSecrets> = () => ({}),
  ) {}

  /** The version an alias points to, or undefined when the model or the alias does not exist. */
  async getModelVersionByAlias(name: string, alias: string): Promise<MlflowModelVersion | undefined> {
    try {
      const body = await this.getJsonOrUndefined<{ model_version: MlflowModelVersion }>(
        `/api/2.0/mlflow/registered-models/alias?${query({ name, alias })}`,
      );
      return body?.model_version;
    } catch (error) {
      // MLflow 3 answers an unknown alias of a known model with 400 INVALID_PARAMETER_VALUE "... not found".
      if (error instanceof MlflowRequestError && error.errorCode === 'INVALID_PARAMETER_VALUE' && /not found/i.test(error.message)) {
        return undefined;
      }
      throw error;
    }
  }

  /** The newest version in a legacy stage (e.g. Production), for registries that predate aliases. */
  async getLatestVersionInStage(name: string, stage: string): Promise<MlflowModelVersion | undefined> {
    const response = await this.request('/api/2.0/mlflow/registered-models/get-latest-versions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, stages: [stage] }),
    });
    if (response.status === 404) return undefined;
    const body = (await this.parseJson(response)) as { model_versions?: MlflowModelVersion[] };
    const versions = body.model_versions ?? [];
    return versions.sort((a, b) => Number(b.version) - Number(a.version))[0];
  }

  /**
   * Downloads one file of a model version's artifacts. When the version lives behind the tracking server's artifact
   * proxy (`mlflow-artifacts:` URIs) the proxy serves it; any other artifact URI (a local path when runs were logged
   * straight to a sqlite store) goes through `/model-versions/get-artifact`, which the server reads for us.
   */
  /** A version's model.json and its golden.json (undefined when the version has none: the caller decides). */
  async downloadModelAndGolden(version: MlflowModelVersion): Promise<{ bytes: Buffer; golden?: Buffer }> {
    const bytes = await this.downloadModelVersionFile(version, MODEL_ARTIFACT_FILE);
    const golden = await this.downloadModelVersionFile(version, GOLDEN_FILE).catch((error: unknown) => {
      if (error instanceof MlflowRequestError && error.status === 404) return undefined;
      throw error;
    });
    return { bytes, golden };
  }

  async downloadModelVersionFile(version: MlflowModelVersion, relativePath: string): Promise<Buffer> {
    const download = await this.getJsonOrUndefined<{ artifact_uri: string }>(
      `/api/2.0/mlflow/model-versions/get-download-uri?${query({ name: version.name, version: version.version })}`,
    );
    const artifactUri = download?.artifact_uri ?? version.source ?? '';
    const url = MLFLOW_ARTIFACTS_SCHEME.test(artifactUri)
      ? `/api/2.0/mlflow-artifacts/artifacts/${joinArtifactPath(artifactUri.replace(MLFLOW_ARTIFACTS_SCHEME, ''), relativePath)}`
      : `/model-versions/get-artifact?${query({ name: version.name, version: version.version, path: relativePath })}`;
    const response = await this.request(url);
    if (!response.ok) {
      throw new MlflowRequestError(
        `downloading ${relativePath} of ${version.name} v${version.version} failed: HTTP ${response.status}`,
        response.status,
      );
    }
    return Buffer.from(await response.arrayBuffer());
  }

  private async getJsonOrUndefined<T>(path: string): Promise<T | undefined> {
    const response = await this.request(path);
    if (response.status === 404) return undefined;
    return (await this.parseJson(response)) as T;
  }

  private async parseJson(response: Response): Promise<unknown> {
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new MlflowRequestError(`MLflow answered HTTP ${response.status} with a non-JSON body`, response.status);
    }
    if (!response.ok) {
      const { error_code: errorCode, message } = body as { error_code?: string; message?: string };
      throw new MlflowRequestError(`MLflow answered HTTP ${response.status}: ${message ?? text}`, response.status, errorCode);
    }
    return body;
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const authorization = authorizationHeader(this.secrets());
    if (authorization) headers.set('authorization', authorization);
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        ...init,
        headers,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new MlflowRequestError(`MLflow at ${this.baseUrl} is unreachable: ${reason}`);
    }
  }
}

/** A token wins over basic credentials (docs/configuration.md). */
function authorizationHeader(secrets: Readonly<AppSecrets>): string | undefined {
  if (secrets.mlflowToken) return `Bearer ${secrets.mlflowToken}`;
  if (secrets.mlflowUsername && secrets.mlflowPassword) {
    return `Basic ${Buffer.from(`${secrets.mlflowUsername}:${secrets.mlflowPassword}`).toString('base64')}`;
  }
  return undefined;
}

function joinArtifactPath(base: string, relativePath: string): string {
  return [base.replace(/\/+$/, ''), relativePath.replace(/^\/+/, '')].filter(Boolean).join('/');
}

function query(parameters: Record<string, string>): string {
  return new URLSearchParams(parameters).toString();
}
