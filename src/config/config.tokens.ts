/** Injection token of the validated settings (AppConfig): interfaces are not tokens. */
export const APP_CONFIG = Symbol('APP_CONFIG');
