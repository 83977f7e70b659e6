/** The rungs of bench/layer-server.js, in order: each adds one piece of the service to the rung before. */
export const LAYERS = ['fastify', 'nest', 'validation', 'throttler', 'headers', 'metrics', 'access-log', 'scoring', 'prediction-log'];
