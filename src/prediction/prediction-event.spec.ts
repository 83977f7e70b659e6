import { predictionEventJson } from './prediction-event.js';

/** The event as docs/logging.md defines it, built as an object: what the template must serialise. */
function documentedEvent(label: string, probability: number, modelVersion: string, textLength: number, textHmac?: string): object {
  return {
    event: { action: 'prediction', kind: 'event' },
    spam: { label, probability, model_version: modelVersion, text_length: textLength, text_hmac: textHmac },
  };
}

describe('predictionEventJson', () => {
  it.each([
    ['spam', 0.9876543210123, 'v7', 153, 'ab'.repeat(32)],
    ['ham', 0, 'file-cf0a06d960de', 1, 'cd'.repeat(32)],
    ['ham', 1e-7, 'a "quoted" \\ version\n', 5000, undefined],
  ])('serialises %s (p %d, version %j) as the documented object', (label, probability, modelVersion, textLength, textHmac) => {
    const json = predictionEventJson({ label, probability, modelVersionJson: JSON.stringify(modelVersion), textLength, textHmac });
    // JSON.stringify drops an undefined text_hmac, as the line must.
    expect(json).toBe(JSON.stringify(documentedEvent(label, probability, modelVersion, textLength, textHmac)));
  });
});
