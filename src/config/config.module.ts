import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { AppLogger } from '../logging/app-logger.js';
import type { AppConfig } from './app-config.js';
import type { AppSecrets } from './app-secrets.js';
import { APP_CONFIG, APP_SECRETS } from './config.tokens.js';

export interface AppRuntime {
  config: AppConfig;
  secrets: AppSecrets;
  logger: AppLogger;
}

/**
 * Settings are parsed and validated once before Nest starts (loadAppConfig, loadAppSecrets in main.ts), then handed
 * to @nestjs/config as its only source and exposed as typed providers. Secrets stay out of ConfigService, so nothing
 * that dumps configuration can leak them.
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
        { provide: APP_SECRETS, useValue: runtime.secrets },
        { provide: AppLogger, useValue: runtime.logger },
      ],
      exports: [APP_CONFIG, APP_SECRETS, AppLogger],
    };
  }
}
