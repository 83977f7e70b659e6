import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelDescriptor } from './served-model.js';

export interface CachedModel {
  bytes: Buffer;
  descriptor: ModelDescriptor;
}

const MODEL_FILE = 'model.json';
const DESCRIPTOR_FILE = 'model-descriptor.json';

/**
 * The last good model on local disk (MODEL_CACHE_DIR, the only place the service writes), so a restart while
 * MLflow is down still serves. Files are written to a temporary name and renamed: a crash never leaves half a file.
 */
export class ModelCache {
  constructor(private readonly directory: string) {}

  async save(cached: CachedModel): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const suffix = `.${process.pid}.tmp`;
    await writeFile(join(this.directory, MODEL_FILE + suffix), cached.bytes);
    await writeFile(join(this.directory, DESCRIPTOR_FILE + suffix), JSON.stringify(cached.descriptor));
    // The model first: a descriptor never names a model file that is not there yet.
    await rename(join(this.directory, MODEL_FILE + suffix), join(this.directory, MODEL_FILE));
    await rename(join(this.directory, DESCRIPTOR_FILE + suffix), join(this.directory, DESCRIPTOR_FILE));
  }

  /** The cached model, or undefined when there is none (a corrupt cache is the caller's validation problem). */
  async load(): Promise<CachedModel | undefined> {
    try {
      const [bytes, descriptor] = await Promise.all([
        readFile(join(this.directory, MODEL_FILE)),
        readFile(join(this.directory, DESCRIPTOR_FILE), 'utf8'),
      ]);
      return { bytes, descriptor: JSON.parse(descriptor) as ModelDescriptor };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
