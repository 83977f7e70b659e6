import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import type { PortableModel } from '../../src/prediction/scoring/portable-model.js';
import { TINY_SPAM_TEXT, tinyModel } from '../fixtures/tiny-model.js';
import { ServiceProcess, newWorkDir, writeModelFile } from '../support/service-process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The tiny model plus a word that pushes towards ham ("lunch", weight -3), so both highlight colours can show. */
function modelWithHamWord(): PortableModel {
  const base = tinyModel();
  const [word] = base.features;
  const coefficients = base.classifier.type === 'logistic_regression' ? base.classifier.coefficients : [];
  return {
    ...base,
    features: [{ ...word, terms: [...word.terms, 'lunch'], idf: [...word.idf, 1] }],
    classifier: { type: 'logistic_regression', coefficients: [...coefficients, -3], intercept: -1 },
  };
}

/** The web UI in Debian's headless Chromium, driven by playwright-core (no downloaded browser). */
describe('web UI (headless Chromium)', () => {
  const profileDir = mkdtempSync(join(tmpdir(), 'spam-ui-profile-'));
  let service: ServiceProcess | undefined;
  let browser: BrowserContext | undefined;

  beforeAll(async () => {
    const workDir = newWorkDir();
    service = await ServiceProcess.start(
      { MODEL_SOURCE: `file:${writeModelFile(workDir, modelWithHamWord())}`, APP_VERSION: '7.7.7', GIT_COMMIT: 'feedbee' },
      { workDir },
    );
    // A fresh profile per run: nothing from another run or another engineer's browser leaks in.
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    rmSync(profileDir, { recursive: true, force: true });
  });

  it.each([
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ])('on a %s screen: type a spam message, see "Spam" and the model version, no console errors', async (_screen, viewport) => {
    const running = service!;
    const page = await browser!.newPage();
    await page.setViewportSize(viewport);
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url()}`));

    await page.goto(running.url);
    const modelVersion = (await (await fetch(`${running.url}/api/v1/info`)).json() as { model: { version: string } }).model.version;
    await page.locator('#model-version').filter({ hasText: modelVersion }).waitFor();
    expect(await page.locator('#app-version').textContent()).toBe('7.7.7');
    expect(await page.locator('#git-commit').textContent()).toBe('feedbee');

    await page.fill('#message', TINY_SPAM_TEXT);
    await page.click('#predict');
    await page.locator('#verdict').filter({ hasText: 'Spam' }).waitFor();
    expect(await page.locator('#verdict').textContent()).toBe('Spam');
    expect(await page.locator('#probability').textContent()).toContain(modelVersion);
    const barStyle = (await page.locator('#bar-fill').getAttribute('style')) ?? '';
    expect(parseFloat(barStyle.replace(/^width:\s*/, ''))).toBeGreaterThan(90);

    // The explanation: the words that pushed towards spam highlighted in the message, and the model's features.
    const towardsSpam = await page.locator('#highlighted mark.push-spam').allTextContents();
    expect(towardsSpam).toEqual(['WIN', 'FREE', 'prize!', 'Call', '09061701461']);
    expect(await page.locator('#highlighted').textContent()).toBe(TINY_SPAM_TEXT);
    expect(await page.locator('#features li').count()).toBe(5);

    await page.fill('#message', 'see you at lunch tomorrow');
    await page.click('#predict');
    await page.locator('#verdict').filter({ hasText: 'Not Spam' }).waitFor();
    await page.locator('#highlighted mark.push-ham').filter({ hasText: 'lunch' }).waitFor();
    expect(await page.locator('#highlighted mark.push-spam').count()).toBe(0);
    // The message is rendered as text, never as markup.
    await page.fill('#message', '<img src=x onerror="document.title=1"> win lunch');
    await page.click('#predict');
    await page.locator('#highlighted').filter({ hasText: '<img src=x' }).waitFor();
    expect(await page.locator('#highlighted img').count()).toBe(0);

    // Whitespace only: the API's 400 message is shown, not a crash.
    await page.fill('#message', '   ');
    await page.click('#predict');
    await page.locator('#error').filter({ hasText: 'after trimming' }).waitFor();

    // A string: the page's globals are not in this Node-typed test's scope.
    const fitsScreen = await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
    expect(fitsScreen).toBe(true);
    await page.close();
    // A 400 fetch is logged by Chromium as a console error for the failed resource; only that one is expected.
    expect(problems.filter((problem) => !problem.includes('400 (Bad Request)'))).toEqual([]);
  }, 60_000);
});
