import type { Logform } from 'winston';

/** winston's key for the finished line (triple-beam's MESSAGE). */
const MESSAGE = Symbol.for('message');
const LEVEL = Symbol.for('level');
const PER_LINE_KEYS = new Set(['@timestamp', 'log.level', 'message', 'level']);

/**
 * Builds the ECS JSON line ecsFormat would build for (level, message, fields), with the work every line shares done
 * once. ecsFormat adds the same service and ECS fields to every event, then sorts and serialises the whole object;
 * here those shared fields are asked of ecsFormat itself once, at start-up, and kept as a serialised fragment, so a
 * line costs one JSON.stringify of the event's own fields. Same fields and values, not the same key order (nothing
 * reads JSON by key order); src/logging/ecs-line.spec.ts compares both for every event shape the service logs.
 */
export class EcsLineBuilder {
  private readonly sharedFields: string;

  constructor(format: Logform.Format) {
    const probe = format.transform({ level: 'info', message: '', [LEVEL]: 'info' }, format.options) as Record<string, unknown>;
    // Per-line values are written by line() itself; `level` is winston's, never part of the line.
    const shared = Object.entries(probe).filter(([key]) => !PER_LINE_KEYS.has(key));
    this.sharedFields = JSON.stringify(Object.fromEntries(shared)).slice(1, -1);
  }

  /**
   * The line, newline included. Throws (as JSON.stringify does) for fields JSON cannot hold: a cycle, a BigInt.
   * Fields must not repeat a key the line already has (`message`, `@timestamp`, the shared ECS keys).
   */
  line(level: string, message: string, fields: object): string {
    return this.lineOfJson(level, message, JSON.stringify(fields));
  }

  /** The line of fields already serialised as one JSON object (`{...}`), for an event built without an object. */
  lineOfJson(level: string, message: string, fieldsJson: string): string {
    const rest = fieldsJson === '{}' ? '' : `,${fieldsJson.slice(1, -1)}`;
    return `{"@timestamp":"${isoNow()}","log.level":${JSON.stringify(level)},"message":${JSON.stringify(message)},${this.sharedFields}${rest}}\n`;
  }
}

let isoMillisecond = -1;
let isoText = '';

/** new Date().toISOString(), formatted once per millisecond: a batch logs a hundred lines within one. */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMillisecond) {
    isoMillisecond = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

/** What winston's ecsFormat alone makes of the same event: the reference the builder is tested against. */
export function ecsFormatLine(format: Logform.Format, level: string, message: string, fields: object): string {
  const info = format.transform({ ...fields, level, message, [LEVEL]: level }, format.options) as Record<symbol, unknown>;
  return `${String(info[MESSAGE])}\n`;
}
