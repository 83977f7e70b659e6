import { Controller, Get, HttpCode, HttpException, HttpStatus, Inject, Post, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.tokens.js';
import { AdminApiKeyGuard } from '../security/admin-api-key.guard.js';
import { ModelRegistryService, type ReloadOutcome } from './model-registry.service.js';
import type { ServedModel } from './served-model.js';
import { ShadowModelService } from './shadow-model.service.js';

const RELOAD_STATUS: Record<ReloadOutcome['result'], HttpStatus> = {
  swapped: HttpStatus.OK,
  unchanged: HttpStatus.OK,
  // The registry handed over a model that failed validation: an upstream fault, the old model keeps serving.
  refused: HttpStatus.BAD_GATEWAY,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

@Controller('api/v1/model')
export class ModelController {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly shadowModels: ShadowModelService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  describe(): object {
    const served = this.registry.current();
    if (!served) throw new ServiceUnavailableException('no model loaded yet');
    const shadow = this.shadowModels.current();
    return {
      ...modelFields(served),
      appVersion: this.config.appVersion,
      gitCommit: this.config.gitCommit,
      // The challenger scored in shadow (MODEL_SHADOW_ALIAS), null without one: it never answers a client.
      shadow: shadow ? modelFields(shadow) : null,
    };
  }

  @Post('reload')
  @HttpCode(HttpStatus.OK)
  @UseGuards(AdminApiKeyGuard)
  async reload(): Promise<ReloadOutcome> {
    const outcome = await this.registry.checkForUpdate();
    const status = RELOAD_STATUS[outcome.result];
    if (status !== HttpStatus.OK) throw new HttpException({ statusCode: status, ...outcome }, status);
    return outcome;
  }
}

function modelFields(model: ServedModel): object {
  return { ...model.descriptor, alias: model.descriptor.alias ?? null, source: model.source, loadedAt: model.loadedAt };
}
