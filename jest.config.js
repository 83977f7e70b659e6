// NestJS 12 ships ESM only and Node 20's jest cannot require(esm): every project runs in jest's native ESM mode
// (package.json script `jest` passes --experimental-vm-modules).
const esmTypeScript = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testEnvironment: 'node',
};

export default {
  projects: [
    { ...esmTypeScript, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...esmTypeScript, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
    // Needs the project venv: it runs the training CLI to produce golden.json.
    { ...esmTypeScript, displayName: 'golden', testMatch: ['<rootDir>/test/golden/**/*.golden-spec.ts'] },
    {
      ...esmTypeScript,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
    },
    { ...esmTypeScript, displayName: 'ui', testMatch: ['<rootDir>/test/ui/**/*.ui-spec.ts'] },
  ],
};
