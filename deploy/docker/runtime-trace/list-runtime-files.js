// Prints, one per line and relative to the app root, every node_modules file the service can load at run time.
// Why: `npm ci --omit=dev` installs ~180 MB, mostly code the service never loads (natural's WordNet database and
// MongoDB/Redis/PostgreSQL storage back-ends, alternative module builds); copying only the traced files keeps the
// image inside its size budget. @vercel/nft follows static and resolvable dynamic require/import and fs reads.
import { nodeFileTrace } from '@vercel/nft';
import { resolve } from 'node:path';

const [appRoot, ...entries] = process.argv.slice(2);
if (!appRoot || entries.length === 0) {
  console.error('usage: node list-runtime-files.js <app-root> <entry.js>...');
  process.exit(2);
}

const { fileList, warnings } = await nodeFileTrace(
  entries.map((entry) => resolve(appRoot, entry)),
  {
    base: resolve(appRoot),
    processCwd: resolve(appRoot),
    // Node >= 20.19 resolves the "module-sync" export condition (require of ES modules); nft assumes it only from
    // Node 22, and a package such as async-function then loses the file Node actually loads.
    conditions: ['node', 'module-sync'],
    moduleSyncCatchall: true,
  },
);
// Unresolved imports are optional peers the service does not install (@nestjs/microservices, elastic-apm-node...).
const unresolved = [...warnings].map((warning) => /"([^"]+)"/.exec(warning.message)?.[1] ?? warning.message);
if (unresolved.length > 0) console.error(`trace: not installed, skipped: ${[...new Set(unresolved)].sort().join(', ')}`);
const files = [...fileList].filter((file) => file.startsWith('node_modules/')).sort();
if (files.length === 0) {
  console.error('trace found no node_modules files: refusing to build an image without dependencies');
  process.exit(1);
}
process.stdout.write(`${files.join('\n')}\n`);
