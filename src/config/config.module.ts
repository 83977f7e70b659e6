import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { AppLogger } from '../logging/app-logger.js';
import type { AppConfig } from './app-config.js';
import { APP_CONFIG } from './config.tokens.js';
import { SecretsService } from './secrets.service.js';

export interface AppRuntime {
  config: AppConfig;
  secrets: SecretsService;
  logger: AppLogger;
}

/**
 * Settings are parsed and validated once before Nest starts (loadAppConfig in main.ts), then handed to
 * @nestjs/config as its only source and exposed as typed providers. Secrets stay out of ConfigService, so nothing
 * that dumps configuration can leak them; SecretsService (started in main.ts) holds them and may change them later.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(runtime: AppRuntime): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ app: runtime.config })] })],
      providers: [
        { provide: APP_CONFIG, inject: [ConfigService], useFactory: (service: ConfigService) => service.getOrThrow<AppConfig>('app') },
        { provide: SecretsService, useValue: runtime.secrets },
        { provide: AppLogger, useValue: runtime.logger },
      ],
      exports: [APP_CONFIG, SecretsService, AppLogger],
    };
  }
}
