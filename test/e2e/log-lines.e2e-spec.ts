import { TINY_SPAM_TEXT, tinyModel } from '../fixtures/tiny-model.js';
import { type LogEvent, ServiceProcess, newWorkDir, sleep, writeModelFile } from '../support/service-process.js';

/**
 * The service writes the log lines of one event-loop turn in one write (src/logging/stdout-lines.ts): concurrent
 * requests must still give one whole JSON line per event, and lines pending when the process exits must not be lost.
 */
const actionOf = (event: LogEvent): unknown => (event.event as { action?: unknown } | undefined)?.action;

describe('log lines written a turn at a time', () => {
  it('gives one whole line per event for a burst of concurrent requests, and keeps the last line at exit', async () => {
    const workDir = newWorkDir();
    const service = await ServiceProcess.start({ MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`, SHUTDOWN_DELAY_SECONDS: '0' }, { workDir });
    const burst = Array.from({ length: 30 }, (_, i) =>
      fetch(`${service.url}/api/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `${TINY_SPAM_TEXT} ${i}` }) }),
    );
    expect((await Promise.all(burst)).map((response) => response.status)).toEqual(new Array(30).fill(200));
    await service.waitForLog(() => service.events().filter((event) => actionOf(event) === 'http-request' && event.message === 'POST /api/v1/predict 200').length === 30);
    // events() throws on any line that is not one JSON object: no two events share a line, none is cut.
    expect(service.events().filter((event) => actionOf(event) === 'prediction')).toHaveLength(30);

    // "stopped" is logged right before process.exit(0): it is still pending in the buffer when exit() is called.
    service.signal('SIGTERM');
    expect(await service.exited()).toBe(0);
    await sleep(300); // the pipe may deliver the last chunk after the exit event
    const last = service.events().at(-1);
    expect([last?.message, (last?.event as { outcome?: string } | undefined)?.outcome]).toEqual(['stopped', 'success']);
    await service.stop();
  }, 30_000);
});
