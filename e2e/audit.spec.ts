import type { Locator, Page, TestInfo } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../electron/core/db';
import { seedAuditLog } from './support/audit-seed';
import { expect, test } from './support/preview';
import { attachScreenshot } from './support/screenshots';
import { engineCall, registryTestEnv } from './support/test-env';

/** Events written before the page opens (the workspace's own first event makes 100,000). */
const SEEDED = 99_999;

const number = (value: number) => new Intl.NumberFormat('en').format(value);

/** Runs `step`, then records how long it took (and prints it with the test's output). */
async function timed(testInfo: TestInfo, name: string, step: () => Promise<void>) {
  const started = Date.now();
  await step();
  const millis = Date.now() - started;
  testInfo.annotations.push({ type: 'timing', description: `${name}: ${millis} ms` });
  console.log(`[audit] ${name}: ${millis} ms`);
}

/** Rendered rows of the table: a screenful, never the whole log. */
function rows(page: Page): Locator {
  return page.getByTestId('audit-row');
}

// The trace recorder follows every DOM change, which would dominate the frame times measured
// here while thousands of rows come and go.
test.use({ trace: 'off' });

test.describe('Audit', () => {
  let folder: string;

  test.beforeAll(async () => {
    // The keychain's variables, so the engine can sign checkpoints when verifying.
    registryTestEnv();
    folder = await mkdtemp(join(tmpdir(), 'consign-e2e-audit-'));
  });

  test.afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  test('browses, filters, verifies and exports a log of 100,000 events', async ({
    page,
    preview,
  }, testInfo) => {
    test.setTimeout(240_000);
    const seeded = seedAuditLog(preview.home, SEEDED);
    testInfo.annotations.push({
      type: 'timing',
      description: `seeding ${number(SEEDED)} events: ${seeded.millis} ms`,
    });
    console.log(`[audit] seeding ${number(SEEDED)} events: ${seeded.millis} ms`);
    expect(seeded.total).toBeGreaterThanOrEqual(100_000);

    await page.goto(preview.url);
    const count = page.getByTestId('audit-count');
    await timed(testInfo, 'open the page to its first rows', async () => {
      await page.getByTestId('nav-audit').click();
      await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
      await expect(rows(page).first()).toHaveAttribute('data-seq', '1');
    });
    // The count is the engine's, for the whole log.
    const { total } = await engineCall(page, 'audit.list', { limit: 1 });
    expect(total).toBeGreaterThanOrEqual(seeded.total);
    await expect(count).toHaveText(`${number(total)} events`);
    await expect(page.getByRole('table', { name: 'Audit events' })).toHaveAttribute(
      'aria-rowcount',
      String(total + 1),
    );
    const onScreen = await rows(page).count();
    expect(onScreen).toBeGreaterThan(5);
    expect(onScreen).toBeLessThan(100);
    await attachScreenshot(page, testInfo, 'audit-first-page.png', { fullPage: false });

    // Scrolling to the end fetches only the last page: the last event is shown.
    const scroller = page.getByTestId('audit-scroller');
    await timed(testInfo, 'scroll to the last event', async () => {
      await scroller.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
      await expect(page.locator(`[data-testid="audit-row"][data-seq="${total}"]`)).toBeVisible();
    });
    expect(await rows(page).count()).toBeLessThan(100);
    await attachScreenshot(page, testInfo, 'audit-last-page.png', { fullPage: false });

    // Scroll back up a step every frame, at a fast wheel's pace and then a fling's, after as
    // many idle frames: how long frames take while rows stream in, against doing nothing.
    const frames = await scroller.evaluate(
      (element, count) =>
        new Promise<number[][]>((resolve) => {
          const nextFrame = (
            globalThis as unknown as {
              requestAnimationFrame: (callback: (now: number) => void) => number;
            }
          ).requestAnimationFrame;
          const steps = [0, 200, 3_000];
          const gaps: number[][] = steps.map(() => []);
          let phase = 0;
          let last = performance.now();
          const step = (now: number) => {
            gaps[phase]!.push(now - last);
            last = now;
            element.scrollTop -= steps[phase]!;
            if (gaps[phase]!.length === count) phase++;
            if (phase < steps.length) nextFrame(step);
            else resolve(gaps.map((phaseGaps) => phaseGaps.slice(1)));
          };
          nextFrame(step);
        }),
      90,
    );
    const describe = (gaps: number[]) => {
      const sorted = [...gaps].sort((a, b) => a - b);
      const at = (share: number) => sorted[Math.floor(sorted.length * share)]!.toFixed(1);
      return `median ${at(0.5)} ms, p95 ${at(0.95)} ms, worst ${sorted.at(-1)!.toFixed(1)} ms`;
    };
    const frameNote = `frames idle: ${describe(frames[0]!)}; scrolling 200 px a frame: ${describe(frames[1]!)}; 3,000 px a frame: ${describe(frames[2]!)}`;
    testInfo.annotations.push({ type: 'timing', description: frameNote });
    console.log(`[audit] ${frameNote}`);
    expect(await rows(page).count()).toBeLessThan(100);

    // And to the middle: another page on demand.
    await scroller.evaluate((element) => element.scrollTo({ top: element.scrollHeight / 2 }));
    await expect(page.getByTestId('audit-row-pending')).toHaveCount(0);
    const middle = Number(await rows(page).nth(3).getAttribute('data-seq'));
    expect(middle).toBeGreaterThan(total * 0.4);
    expect(middle).toBeLessThan(total * 0.6);

    // Filtering by action narrows the count and the table to that action.
    const action = 'key.generated';
    const expected = (await engineCall(page, 'audit.list', { action, limit: 1 })).total;
    expect(expected).toBe(seeded.byAction[action]);
    await timed(
      testInfo,
      `filter by action (${number(expected)} of ${number(total)})`,
      async () => {
        await page.getByLabel('Action').fill(action);
        await expect(count).toHaveText(`${number(expected)} matching events`);
        await expect(rows(page).first()).toHaveAttribute('data-action', action);
      },
    );
    for (const shown of await rows(page).all()) {
      await expect(shown).toHaveAttribute('data-action', action);
    }
    await attachScreenshot(page, testInfo, 'audit-filtered.png', { fullPage: false });

    // The search box narrows further, debounced, to what the engine finds for the same query.
    const search = 'key-4244';
    const found = await engineCall(page, 'audit.list', { action, search, limit: 50 });
    expect(found.total).toBeGreaterThan(0);
    await timed(testInfo, 'search within the filter', async () => {
      await page.getByLabel('Search').fill(search);
      await expect(count).toHaveText(
        `${number(found.total)} matching event${found.total === 1 ? '' : 's'}`,
      );
    });
    await expect(rows(page)).toHaveCount(found.total);
    const seqs = await rows(page).evaluateAll((elements) =>
      elements.map((element) => Number(element.getAttribute('data-seq'))),
    );
    expect(seqs).toEqual(found.events.map((event) => event.seq));

    // The detail drawer shows the event as recorded, and its hash.
    const event = found.events[0]!;
    await page.getByRole('button', { name: `Show event ${event.seq}` }).click();
    const drawer = page.getByRole('dialog', { name: `Event ${event.seq}` });
    await expect(drawer).toBeVisible();
    await expect(drawer.getByTestId('audit-drawer-hash')).toHaveText(event.hash);
    const json = JSON.parse((await drawer.getByTestId('audit-drawer-json').textContent())!) as {
      seq: number;
    };
    const { hash: _hash, ...recorded } = event;
    expect(json).toEqual(recorded);
    await attachScreenshot(page, testInfo, 'audit-event-drawer.png', { fullPage: false });
    await page.keyboard.press('Escape');
    await expect(drawer).toBeHidden();

    // Export what the filters select, and refuse to overwrite the file.
    const out = join(folder, 'keys.jsonl');
    await page.getByTestId('audit-export').click();
    const exporting = page.getByRole('dialog', { name: 'Export audit events' });
    await expect(exporting.getByTestId('audit-export-scope')).toHaveText(
      `The events matching the current filters are written (${number(found.total)}).`,
    );
    await exporting.getByRole('radio', { name: 'JSON Lines' }).check({ force: true });
    await exporting.getByLabel('Save to').fill(out);
    await exporting.getByRole('button', { name: 'Export', exact: true }).click();
    const done = exporting.getByTestId('audit-export-done');
    await expect(done).toBeVisible();
    await expect(done).toContainText(
      `Wrote ${number(found.total)} event${found.total === 1 ? '' : 's'} as JSON Lines to:`,
    );
    await expect(done.getByTestId('audit-export-path')).toHaveText(out);
    expect(existsSync(out)).toBe(true);
    for (const { seq } of found.events) expect(readFileSync(out, 'utf8')).toContain(`"seq":${seq}`);
    await attachScreenshot(page, testInfo, 'audit-exported.png', { fullPage: false });
    await done.getByRole('button', { name: 'Close', exact: true }).click();

    await page.getByTestId('audit-export').click();
    await exporting.getByLabel('Save to').fill(out);
    await exporting.getByRole('button', { name: 'Export', exact: true }).click();
    const refusal = exporting.getByTestId('audit-export-error');
    await expect(refusal).toBeVisible();
    await expect(refusal).toContainText('The export was not written');
    await expect(refusal.getByTestId('error-message')).not.toBeEmpty();
    await attachScreenshot(page, testInfo, 'audit-export-refused.png', { fullPage: false });
    await exporting.getByRole('button', { name: 'Cancel' }).click();
    await expect(exporting).toBeHidden();

    // Clearing the filters brings the whole log back.
    await page.getByTestId('audit-clear-filters').click();
    await expect(count).toHaveText(/^[\d,]+ events$/);

    // Verify recomputes the whole chain in the engine: intact.
    await timed(testInfo, 'verify the chain', async () => {
      await page.getByTestId('audit-verify').click();
      await expect(page.getByTestId('audit-verify-status')).toHaveAttribute('data-ok', 'true');
    });
    const status = page.getByTestId('audit-verify-status');
    await expect(status).toContainText('The log is intact');
    const verified = Number(
      /All ([\d,]+) events/.exec((await status.textContent())!)![1]!.replaceAll(',', ''),
    );
    expect(verified).toBeGreaterThanOrEqual(total);
    await attachScreenshot(page, testInfo, 'audit-verified.png', { fullPage: false });

    // An event edited behind the engine's back: Verify names it and says why.
    const tampered = 50_000;
    const db = openDatabase(join(preview.home, 'consign.db'));
    try {
      db.prepare('UPDATE audit_events SET subject = ? WHERE seq = ?').run('forged', tampered);
    } finally {
      db.close();
    }
    await page.getByTestId('audit-verify').click();
    await expect(status).toHaveAttribute('data-ok', 'false');
    await expect(status).toHaveAttribute('data-seq', String(tampered));
    await expect(status).toContainText(`The log is broken at event ${tampered}`);
    await expect(status).toContainText('Why:');
    await attachScreenshot(page, testInfo, 'audit-broken.png', { fullPage: false });
  });
});
