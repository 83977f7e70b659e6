import { dirname } from 'node:path';

/**
 * The application root (`/app` in the image): the parent of the folder holding this module, whether that is `src/`
 * (ts-jest) or `dist/` (node dist/main.js). Never process.cwd(): the service may be started from anywhere.
 */
export const APP_ROOT = dirname(import.meta.dirname);
