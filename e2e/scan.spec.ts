import { spawnSync } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestEnv } from '../tests/support/test-env';
import { buildImageFromFiles, dockerClient } from './support/docker';
import { expect, test } from './support/preview';
import { PlainRegistry } from './support/registry';
import { attachScreenshot } from './support/screenshots';
import { engineCall, registryTestEnv } from './support/test-env';

interface Installed {
  name: string;
  version: string;
  sourceName: string;
  sourceVersion: string;
}

/** What dpkg itself lists inside a container of the image: the oracle for the report. */
function dpkgInventory(env: TestEnv, image: string): Installed[] {
  const query = spawnSync(
    'docker',
    [
      'run',
      '--rm',
      '--network=none',
      image,
      'dpkg-query',
      '-W',
      '-f',
      '${Package}\\t${Version}\\t${source:Package}\\t${source:Version}\\n',
    ],
    { env: { ...process.env, DOCKER_HOST: env.dockerHost }, encoding: 'utf8' },
  );
  if (query.status !== 0) throw new Error(`dpkg-query in ${image} failed: ${query.stderr}`);
  return query.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [name, version, sourceName, sourceVersion] = line.split('\t') as [
        string,
        string,
        string,
        string,
      ];
      return { name, version, sourceName, sourceVersion };
    });
}

test.describe('Scanner and vulnerability data', () => {
  let env: TestEnv;
  let folder: string;
  let installed: Installed[];

  test.beforeAll(async () => {
    env = registryTestEnv();
    folder = await mkdtemp(join(tmpdir(), 'consign-e2e-osv-'));
  });

  test.afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  test('refuses a path that does not exist, and warns about old data', async ({
    page,
    preview,
  }, info) => {
    await page.goto(preview.url);
    await page.getByTestId('nav-settings').click();
    const card = page.getByRole('region', { name: 'Vulnerability data' });
    await expect(card.getByTestId('vulndb-state')).toHaveText('No data');
    await expect(card.getByTestId('vulndb-warning')).toContainText('No vulnerability data');
    await expect(card.getByTestId('vulndb-records')).toHaveText('0');

    // An empty path is caught before anything is asked.
    await card.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(card.getByText('Enter the path of the OSV data to import.')).toBeVisible();

    const nowhere = join(folder, 'no-such-folder', 'all.zip');
    await card.getByLabel('OSV data', { exact: true }).fill(nowhere);
    await card.getByRole('button', { name: 'Import', exact: true }).click();
    const error = card.getByTestId('vulndb-import-error');
    await expect(error).toBeVisible();
    await expect(error).toHaveAttribute('data-code', 'BAD_INPUT');
    await expect(error).toContainText('Nothing was imported');
    await expect(error.getByTestId('error-message')).toContainText(nowhere);
    await expect(error.getByTestId('error-remedy')).toContainText('OSV all.zip');
    await expect(card.getByTestId('vulndb-records')).toHaveText('0');
    await card.scrollIntoViewIfNeeded();
    await attachScreenshot(page, info, 'vulndb-import-error.png');

    // Old data is imported and used, with a warning to bring fresh data.
    const old = join(folder, 'old-record.json');
    await writeFile(
      old,
      JSON.stringify({
        id: 'CONSIGN-E2E-OLD-1',
        modified: '2026-01-02T00:00:00Z',
        affected: [{ package: { ecosystem: 'Alpine:v3.20', name: 'musl' }, ranges: [] }],
      }),
    );
    await card.getByLabel('OSV data', { exact: true }).fill(old);
    await card.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(card.getByTestId('vulndb-import-result')).toContainText('1 new, 0 updated');
    await expect(card.getByTestId('vulndb-import-error')).toHaveCount(0);
    await expect(card.getByTestId('vulndb-state')).toHaveText('Out of date');
    const ageDays = Math.floor((Date.now() - Date.parse('2026-01-02T00:00:00Z')) / 86_400_000);
    await expect(card.getByTestId('vulndb-age')).toHaveText(`· ${ageDays} days old`);
    await expect(card.getByTestId('vulndb-warning')).toContainText(`${ageDays} days old`);
    await expect(card.getByTestId('vulndb-warning')).toContainText('Import a fresh OSV all.zip');
    await expect(
      card.locator('[data-testid="vulndb-ecosystem"][data-name="Alpine:v3.20"]'),
    ).toContainText('1');
    await attachScreenshot(page, info, 'vulndb-stale.png');
  });

  test('imports OSV data in Settings, then scans a Debian image and reads the findings', async ({
    page,
    preview,
  }, info) => {
    test.skip(
      !env.debianImage,
      'the test environment has no Debian image (CONSIGN_TEST_DEBIAN_IMAGE): debootstrap could not build one here',
    );
    test.setTimeout(180_000);
    const image = env.debianImage!;
    installed = dpkgInventory(env, image);
    const bySource = (name: string) => {
      const found = installed.find((p) => p.sourceName === name);
      if (!found) throw new Error(`${image} has no package built from ${name}`);
      return found;
    };

    // OSV records in Debian's shape about the image's own source packages: glibc fixed after
    // what is installed (affected), zlib fixed in exactly what is installed (not affected).
    // Ids and aliases are marked as test data. Plus one file that is not an OSV record.
    const glibc = bySource('glibc');
    const zlib = bySource('zlib');
    const laterFix = `${glibc.sourceVersion}+deb12u99`;
    const modified = new Date().toISOString();
    const records = [
      {
        id: 'CONSIGN-E2E-0001',
        modified,
        published: '2026-11-01T00:00:00Z',
        aliases: ['CVE-2099-7001'],
        summary: 'Test advisory: glibc buffer overflow',
        details: 'A test record written by the end-to-end tests.',
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' }],
        affected: [
          {
            package: { ecosystem: 'Debian:12', name: 'glibc' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: laterFix }] }],
          },
        ],
        references: [{ type: 'ADVISORY', url: 'https://security.example.com/CVE-2099-7001' }],
      },
      {
        id: 'CONSIGN-E2E-0002',
        modified,
        aliases: ['CVE-2099-7002'],
        affected: [
          {
            package: { ecosystem: 'Debian:12', name: 'zlib' },
            ranges: [
              { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: zlib.sourceVersion }] },
            ],
          },
        ],
      },
    ];
    const osv = join(folder, 'debian-osv');
    await mkdir(osv);
    for (const record of records) {
      await writeFile(join(osv, `${record.id}.json`), JSON.stringify(record));
    }
    await writeFile(join(osv, 'README.json'), JSON.stringify({ note: 'not a record' }));

    // Settings: import the folder and see what is loaded.
    await page.goto(preview.url);
    await page.getByTestId('nav-settings').click();
    const card = page.getByRole('region', { name: 'Vulnerability data' });
    await expect(card.getByTestId('vulndb-state')).toHaveText('No data');
    await card.getByLabel('OSV data', { exact: true }).fill(osv);
    await card.getByRole('button', { name: 'Import', exact: true }).click();
    const done = card.getByTestId('vulndb-import-result');
    await expect(done).toContainText('2 new, 0 updated and 0 unchanged records');
    await expect(done).toContainText('Ecosystems: Debian:12');
    await expect(done.getByTestId('vulndb-import-skipped')).toContainText('README.json');
    await expect(card.getByTestId('vulndb-records')).toHaveText('2');
    await expect(card.getByTestId('vulndb-state')).toHaveText('Current');
    await expect(card.getByTestId('vulndb-warning')).toHaveCount(0);
    await expect(
      card.locator('[data-testid="vulndb-ecosystem"][data-name="Debian:12"]'),
    ).toContainText('2');
    await expect(card.getByTestId('vulndb-age')).toHaveText(/0 days old/);
    const status = await engineCall(page, 'vulndb.status', {});
    expect(status).toMatchObject({ records: 2, stale: false });
    await card.scrollIntoViewIfNeeded();
    await attachScreenshot(page, info, 'vulndb-imported.png');

    // Images: scan the Debian image from its row.
    await page.getByTestId('nav-images').click();
    await page.getByTestId('images-filter').fill(image);
    const row = page.locator(`[data-testid="image-row"][data-ref="${image}"]`);
    await row.getByRole('button', { name: `Scan ${image}` }).click();
    const report = page.getByRole('dialog', { name: 'Scan report' });
    await expect(report.getByTestId('scan-ref')).toHaveText(`docker-daemon:${image}`);
    await expect(report.getByTestId('scan-result')).toBeVisible({ timeout: 120_000 });
    await expect(report.getByTestId('scan-os')).toHaveText('Debian GNU/Linux 12 (bookworm)');
    await expect(report.getByTestId('scan-database')).toHaveAttribute('data-records', '2');
    await expect(report.getByTestId('scan-database-warning')).toHaveCount(0);
    // Minbase has no secrets or malware: no tabs for them.
    await expect(report.getByRole('tab')).toHaveText([
      `Vulnerabilities (${installed.filter((p) => p.sourceName === 'glibc').length})`,
      `Packages (${installed.length})`,
      /^Build checks \(\d+\)$/,
    ]);
    await expect(report.getByTestId('scan-packages-total')).toHaveText(
      `${installed.length} packages`,
    );

    // Every binary package built from glibc is affected, as HIGH, fixed in the later version;
    // nothing about zlib, whose installed version is the fixed one.
    const glibcBinaries = installed.filter((p) => p.sourceName === 'glibc').map((p) => p.name);
    await expect(
      report.locator('[data-testid="severity-count"][data-severity="HIGH"]'),
    ).toHaveAttribute('data-count', String(glibcBinaries.length));
    await expect(report.getByTestId('scan-total')).toHaveAttribute(
      'data-count',
      String(glibcBinaries.length),
    );
    const rows = report.getByTestId('vulnerability-row');
    await expect(rows).toHaveCount(glibcBinaries.length);
    await expect(rows.getByTestId('vulnerability-package')).toHaveText(
      [...glibcBinaries].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
    );
    const libc = report.locator(
      '[data-testid="vulnerability-row"][data-id="CVE-2099-7001"][data-package="libc6"]',
    );
    await expect(libc.getByTestId('vulnerability-severity')).toHaveText('High');
    await expect(libc.getByTestId('vulnerability-fixed')).toHaveText(laterFix);
    await expect(libc).toContainText('CONSIGN-E2E-0001');
    await expect(report.locator('[data-id="CVE-2099-7002"]')).toHaveCount(0);
    await attachScreenshot(page, info, 'scan-report.png', { fullPage: false });

    // Filtering: by text, then by a severity the report does not have.
    await report.getByTestId('vulnerabilities-filter').fill('libc6');
    await expect(rows).toHaveCount(1);
    await report.getByTestId('vulnerabilities-filter').fill('');
    await expect(rows).toHaveCount(glibcBinaries.length);

    // The id opens the stored record, offline.
    await libc.getByRole('button', { name: 'Show the record of CVE-2099-7001' }).click();
    const record = page.getByRole('dialog', { name: 'Advisory CVE-2099-7001' });
    await expect(record.getByTestId('vuln-record-summary')).toHaveText(
      'Test advisory: glibc buffer overflow',
    );
    await expect(record.getByTestId('vuln-record-aliases')).toHaveText('CVE-2099-7001');
    await expect(record.getByTestId('vuln-record-range')).toHaveText(
      `ECOSYSTEM: introduced 0 → fixed ${laterFix}`,
    );
    await expect(record.getByTestId('vuln-record-reference')).toHaveText(
      'https://security.example.com/CVE-2099-7001',
    );
    // References are text, never links the page could follow.
    await expect(record.locator('a[href]')).toHaveCount(0);
    await record.getByTestId('vuln-record-json-toggle').click();
    await expect(record.getByTestId('vuln-record-json')).toContainText('"id": "CONSIGN-E2E-0001"');
    await attachScreenshot(page, info, 'scan-record.png', { fullPage: false });
    await record.getByRole('button', { name: 'Close dialog' }).click();
    await expect(record).toBeHidden();

    // Packages: the whole inventory, as dpkg lists it, and a filter.
    await report.getByRole('tab', { name: /^Packages/ }).click();
    const packages = report.getByTestId('package-row');
    await expect(packages).toHaveCount(installed.length);
    await report.getByTestId('packages-filter').fill('zlib');
    const zlibBinaries = installed.filter((p) => p.sourceName === 'zlib').map((p) => p.name);
    await expect(packages).toHaveCount(zlibBinaries.length);
    await expect(packages.first()).toHaveAttribute('data-name', zlibBinaries[0]!);
    await attachScreenshot(page, info, 'scan-packages.png', { fullPage: false });
  });

  test('scans from the inspector and says when there is no vulnerability data', async ({
    page,
    preview,
  }, info) => {
    test.skip(
      !env.debianImage,
      'the test environment has no Debian image (CONSIGN_TEST_DEBIAN_IMAGE): debootstrap could not build one here',
    );
    test.setTimeout(120_000);
    const ref = `docker-daemon:${env.debianImage}`;
    await page.goto(preview.url);
    await page.getByTestId('nav-images').click();
    await page.getByRole('textbox', { name: 'Inspect a reference' }).fill(ref);
    await page.getByRole('textbox', { name: 'Inspect a reference' }).press('Enter');
    const inspector = page.getByRole('dialog', { name: 'Image details' });
    await expect(inspector.getByTestId('inspector-result')).toBeVisible({ timeout: 60_000 });
    await inspector.getByTestId('inspector-scan').click();

    const report = page.getByRole('dialog', { name: 'Scan report' });
    await expect(report.getByTestId('scan-running')).toBeVisible();
    await expect(report.getByTestId('scan-result')).toBeVisible({ timeout: 120_000 });
    const warning = report.getByTestId('scan-database-warning');
    await expect(warning).toContainText('Vulnerabilities cannot be named yet');
    await expect(warning).toContainText('No vulnerability data is loaded');
    // Only tabs with content: packages and build checks, no empty vulnerabilities tab.
    await expect(report.getByRole('tab')).toHaveText([/^Packages \(\d+\)$/, /^Build checks/]);
    await expect(report.getByTestId('severity-count').first()).toHaveAttribute('data-count', '0');
    await attachScreenshot(page, info, 'scan-without-data.png', { fullPage: false });

    // The remedy's way there: Settings, where the data is imported.
    await warning.getByRole('button', { name: 'Open Settings' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    await expect(
      page.getByRole('region', { name: 'Vulnerability data' }).getByTestId('vulndb-state'),
    ).toHaveText('No data');
  });

  test('says why a registry image cannot be scanned, and what to do', async ({
    page,
    preview,
  }, info) => {
    // A registry image whose only layer is random bytes, not a file system.
    const registry = new PlainRegistry(env.registryPlain);
    const repository = `consign-e2e/scan-${Date.now().toString(36)}`;
    await registry.pushImage(repository, { os: 'linux', architecture: 'amd64' }, 4_000, 'v1');
    const ref = `docker://${env.registryPlain}/${repository}:v1`;

    await page.goto(preview.url);
    await page.getByTestId('nav-images').click();
    await page.getByRole('textbox', { name: 'Inspect a reference' }).fill(ref);
    await page.getByRole('textbox', { name: 'Inspect a reference' }).press('Enter');
    const inspector = page.getByRole('dialog', { name: 'Image details' });
    await expect(inspector.getByTestId('inspector-result')).toBeVisible();
    await inspector.getByTestId('inspector-scan').click();

    const report = page.getByRole('dialog', { name: 'Scan report' });
    await expect(report.getByTestId('scan-ref')).toHaveText(ref);
    const error = report.getByTestId('scan-error');
    await expect(error).toBeVisible({ timeout: 60_000 });
    await expect(error).toContainText('The image could not be scanned');
    await expect(error).toHaveAttribute('data-code', 'BAD_INPUT');
    await expect(error.getByTestId('error-message')).toContainText(
      'cannot be read as a tar archive',
    );
    await expect(error.getByTestId('error-remedy')).toContainText(
      'rebuild it from a trusted source',
    );
    await expect(report.getByTestId('scan-result')).toHaveCount(0);
    await attachScreenshot(page, info, 'scan-error.png', { fullPage: false });
  });

  test('reports a secret and a known-malicious file, never showing the secret', async ({
    page,
    preview,
  }, info) => {
    test.setTimeout(120_000);
    // A made-up AWS access key id (the rule's shape, random characters) and the EICAR test file,
    // which every scanner must report and which harms nothing.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    const keyId = `AKIA${Array.from({ length: 16 }, () => alphabet[randomInt(alphabet.length)]).join('')}`;
    const eicar = String.raw`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`;
    const built = await buildImageFromFiles(dockerClient(), {
      repositoryPrefix: 'consign-e2e/scan-findings',
      files: { 'app.env': `REGION=eu-west-1\nAWS_ACCESS_KEY_ID=${keyId}\n`, 'eicar.com': eicar },
    });
    try {
      await page.goto(preview.url);
      await page.getByTestId('nav-images').click();
      await page.getByTestId('images-filter').fill(built.ref);
      const row = page.locator(`[data-testid="image-row"][data-ref="${built.ref}"]`);
      await row.getByRole('button', { name: `Scan ${built.ref}` }).click();
      const report = page.getByRole('dialog', { name: 'Scan report' });
      await expect(report.getByTestId('scan-result')).toBeVisible({ timeout: 60_000 });

      // No OS and no package database: said so, and no empty tabs for them.
      await expect(report.getByTestId('scan-os')).toHaveText('Not detected');
      await expect(report.getByTestId('scan-no-packages')).toBeVisible();
      const exposure = report.getByTestId('scan-exposure');
      await expect(exposure).toContainText('1 secret was left in its files');
      await expect(exposure).toContainText('1 known-malicious file is in it.');
      await expect(report.getByRole('tab')).toHaveText([
        /^Build checks \(\d+\)$/,
        'Secrets (1)',
        'Malware (1)',
      ]);

      await report.getByRole('tab', { name: 'Secrets (1)' }).click();
      const secret = report.getByTestId('secret-row');
      await expect(secret).toHaveAttribute('data-rule', 'aws-access-key-id');
      await expect(secret).toContainText('AWS access key id');
      await expect(secret).toContainText('/app.env');
      await expect(secret).toContainText('line 2');
      await expect(report).not.toContainText(keyId);
      await attachScreenshot(page, info, 'scan-secrets.png', { fullPage: false });

      await report.getByRole('tab', { name: 'Malware (1)' }).click();
      const malware = report.getByTestId('malware-row');
      await expect(malware).toHaveAttribute('data-rule', 'eicar-test-file');
      await expect(malware).toContainText('/eicar.com');
      const sha256 = createHash('sha256').update(eicar).digest('hex');
      await expect(malware.locator(`[data-digest="sha256:${sha256}"]`)).toHaveCount(1);

      // The image runs as root (no USER in it): the build checks say so, with what to do.
      await report.getByRole('tab', { name: /^Build checks/ }).click();
      const root = report.locator('[data-testid="baseline-row"][data-id="CONSIGN-BASE-001"]');
      await expect(root).toContainText('The image runs as root');
      await expect(root).toContainText('USER');
      await attachScreenshot(page, info, 'scan-baseline.png', { fullPage: false });

      // Export: a CycloneDX SBOM and a SARIF log saved by the engine, never over an existing file.
      const folder = await mkdtemp(join(tmpdir(), 'consign-e2e-export-'));
      try {
        const sbom = join(folder, 'report.cdx.json');
        await report.getByTestId('scan-export').click();
        const form = page.getByRole('dialog', { name: 'Export the scan report' });
        await form.getByTestId('scan-export-path-input').fill(sbom);
        await form.getByTestId('scan-export-submit').click();
        await expect(form.getByTestId('scan-export-path')).toHaveText(sbom);
        const bom = JSON.parse(await readFile(sbom, 'utf8')) as {
          bomFormat: string;
          specVersion: string;
        };
        expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
        await form.getByRole('button', { name: 'Close' }).last().click();

        await report.getByTestId('scan-export').click();
        await form.getByText('SARIF 2.1.0').click();
        await form.getByTestId('scan-export-path-input').fill(sbom);
        await form.getByTestId('scan-export-submit').click();
        await expect(form.getByTestId('scan-export-error')).toContainText('is not overwritten');
        const sarif = join(folder, 'report.sarif');
        await form.getByTestId('scan-export-path-input').fill(sarif);
        await form.getByTestId('scan-export-submit').click();
        await expect(form.getByTestId('scan-export-done')).toBeVisible();
        const log = JSON.parse(await readFile(sarif, 'utf8')) as {
          version: string;
          runs: { results: { ruleId: string }[] }[];
        };
        expect(log.version).toBe('2.1.0');
        expect(log.runs[0]!.results.map((r) => r.ruleId)).toContain('malware/eicar-test-file');
        expect(await readFile(sarif, 'utf8')).not.toContain(keyId);
        await attachScreenshot(page, info, 'scan-export.png', { fullPage: false });
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    } finally {
      await built.remove();
    }
  });
});
