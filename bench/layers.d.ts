// Types of bench/layers.js for the TypeScript tests.
export const LAYERS: readonly string[];
