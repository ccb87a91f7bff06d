import { defineConfig } from '@playwright/test';

/** Debian's Chromium, run as root on a machine without network: never a downloaded browser. */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [
    ['list'],
    // The test runner names the report file with PLAYWRIGHT_JSON_OUTPUT_NAME; by hand, keep
    // the JSON out of the terminal.
    [
      'json',
      process.env.PLAYWRIGHT_JSON_OUTPUT_NAME
        ? {}
        : { outputFile: 'playwright-report/results.json' },
    ],
  ],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: chromiumArgs,
    },
  },
});
