/** Injection tokens of the validated settings (AppConfig) and secrets (AppSecrets): interfaces are not tokens. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const APP_SECRETS = Symbol('APP_SECRETS');
