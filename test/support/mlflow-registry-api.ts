import type { MlflowModelVersion } from '../../src/model-registry/mlflow-client.js';

/**
 * The few MLflow REST calls (API 2.0) the registry tests make to arrange versions, aliases, tags and legacy stages by
 * hand, as an operator or an older pipeline would, without training a new model for each version.
 */
export class MlflowRegistryApi {
  constructor(private readonly url: string) {}

  async version(name: string, version: string): Promise<MlflowModelVersion> {
    const body = (await this.call('GET', `model-versions/get?${new URLSearchParams({ name, version }).toString()}`)) as { model_version: MlflowModelVersion };
    return body.model_version;
  }

  async aliasVersion(name: string, alias: string): Promise<string> {
    return (await this.aliased(name, alias)).version;
  }

  /** The version an alias points at, with its tags. */
  async aliased(name: string, alias: string): Promise<MlflowModelVersion> {
    const body = (await this.call('GET', `registered-models/alias?${new URLSearchParams({ name, alias }).toString()}`)) as { model_version: MlflowModelVersion };
    return body.model_version;
  }

  /** A new version registered from the artifacts of an existing one: byte-identical model.json and golden.json. */
  async copyVersion(name: string, from: string): Promise<string> {
    const original = await this.version(name, from);
    // MLflow 3 registers logged models: a `models:/<model id>` source must come with that model id.
    const modelId = original.source?.startsWith('models:/') ? original.source.slice('models:/'.length) : undefined;
    const request = { name, source: original.source, run_id: original.run_id, model_id: modelId };
    const body = (await this.call('POST', 'model-versions/create', request)) as {
      model_version: MlflowModelVersion;
    };
    return body.model_version.version;
  }

  async setTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'model-versions/set-tag', { name, version, key, value });
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.call('DELETE', 'registered-models/alias', { name, alias });
  }

  /** Legacy stages (deprecated since MLflow 2.9, still served by the API): what a pre-alias pipeline sets. */
  async transitionStage(name: string, version: string, stage: string): Promise<void> {
    await this.call('POST', 'model-versions/transition-stage', { name, version, stage, archive_existing_versions: false });
  }

  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<unknown> {
    const response = await fetch(`${this.url}/api/2.0/mlflow/${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`MLflow ${method} ${path}: HTTP ${response.status} ${text}`);
    return JSON.parse(text);
  }
}
