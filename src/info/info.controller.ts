import { Controller, Get, Inject } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.tokens.js';
import { ModelRegistryService } from '../model-registry/model-registry.service.js';

export interface ServiceInfo {
  service: string;
  version: string;
  gitCommit: string;
  model: { name: string; version: string; source: string } | null;
}

/** What the web UI shows so a refresh after a deploy or a promotion visibly changes. */
@Controller('api/v1/info')
export class InfoController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ModelRegistryService,
  ) {}

  @Get()
  info(): ServiceInfo {
    const served = this.registry.current();
    return {
      service: this.config.serviceName,
      version: this.config.appVersion,
      gitCommit: this.config.gitCommit,
      model: served ? { name: served.descriptor.name, version: served.descriptor.version, source: served.source } : null,
    };
  }
}
