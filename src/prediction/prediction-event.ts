/** What one `prediction` event (docs/logging.md) says of one scored message. */
export interface PredictionEvent {
  label: string;
  probability: number;
  /** JSON.stringify of the model version: serialised once per request, not once per message. */
  modelVersionJson: string;
  textLength: number;
  /** Absent without LOG_HASH_KEY, and then absent from the line too. */
  textHmac?: string;
}

/**
 * The fields of the `prediction` event as one JSON object, written from a template: it is logged once per scored
 * message (a hundred times per batch), and walking a fresh object of two nested objects with JSON.stringify cost twice
 * as much. The values are still serialised by JSON.stringify; prediction-event.spec.ts compares the result with
 * JSON.stringify of the object the event is documented as, key order included.
 */
export function predictionEventJson({ label, probability, modelVersionJson, textLength, textHmac }: PredictionEvent): string {
  const hmac = textHmac === undefined ? '' : `,"text_hmac":${JSON.stringify(textHmac)}`;
  return `{"event":{"action":"prediction","kind":"event"},"spam":{"label":${JSON.stringify(label)},"probability":${JSON.stringify(probability)},"model_version":${modelVersionJson},"text_length":${textLength}${hmac}}}`;
}
