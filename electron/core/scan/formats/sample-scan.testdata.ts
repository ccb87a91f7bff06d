// A scan result with one of everything the formats carry, for their unit tests: OS packages from
// one source package, an application package found twice, vulnerabilities with and without
// scores and fixes, baseline findings with and without paths, secrets and malware.
import type { Digest } from '../../oci';
import type { ScanResult } from '../scan';

const digest = `sha256:${'a'.repeat(64)}` as Digest;
const manifest = `sha256:${'b'.repeat(64)}` as Digest;

export function sampleScan(): ScanResult {
  return {
    image: {
      ref: 'docker://registry.example.com:5000/team/app:1.2',
      digest,
      manifest,
      platform: { os: 'linux', architecture: 'amd64' },
      os: {
        id: 'debian',
        versionId: '12',
        prettyName: 'Debian GNU/Linux 12 (bookworm)',
        ecosystem: 'Debian:12',
      },
      layers: 3,
    },
    packages: [
      {
        type: 'deb',
        name: 'libc6',
        version: '2.36-9+deb12u4',
        purl: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12',
        source: { name: 'glibc', version: '2.36-9+deb12u4' },
        path: 'var/lib/dpkg/status',
      },
      {
        type: 'deb',
        name: 'libc-bin',
        version: '2.36-9+deb12u4',
        purl: 'pkg:deb/debian/libc-bin@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12',
        source: { name: 'glibc', version: '2.36-9+deb12u4' },
        path: 'var/lib/dpkg/status',
      },
      {
        type: 'deb',
        name: 'perl-base',
        version: '5.36.0-7+deb12u1',
        purl: 'pkg:deb/debian/perl-base@5.36.0-7%2Bdeb12u1?arch=amd64&distro=debian-12',
        source: { name: 'perl', version: '5.36.0-7+deb12u1' },
        path: 'var/lib/dpkg/status',
      },
      {
        type: 'npm',
        name: 'minimist',
        version: '1.2.5',
        purl: 'pkg:npm/minimist@1.2.5',
        path: 'app/node_modules/minimist/package.json',
      },
      {
        type: 'npm',
        name: 'minimist',
        version: '1.2.5',
        purl: 'pkg:npm/minimist@1.2.5',
        path: 'app/node_modules/mkdirp/node_modules/minimist/package.json',
      },
    ],
    vulnerabilities: [
      {
        id: 'CVE-2099-0001',
        aliases: ['DSA-9999-1'],
        package: 'libc6',
        purl: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12',
        installedVersion: '2.36-9+deb12u4',
        fixedVersion: '2.36-9+deb12u9',
        severity: 'HIGH',
        score: 7.8,
        vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
        summary: 'glibc: buffer overflow in a test function',
      },
      {
        id: 'CVE-2099-0001',
        aliases: ['DSA-9999-1'],
        package: 'libc-bin',
        purl: 'pkg:deb/debian/libc-bin@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12',
        installedVersion: '2.36-9+deb12u4',
        fixedVersion: '2.36-9+deb12u9',
        severity: 'HIGH',
        score: 7.8,
        vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
        summary: 'glibc: buffer overflow in a test function',
      },
      {
        id: 'DEBIAN-CVE-2099-0003',
        aliases: [],
        package: 'perl-base',
        purl: 'pkg:deb/debian/perl-base@5.36.0-7%2Bdeb12u1?arch=amd64&distro=debian-12',
        installedVersion: '5.36.0-7+deb12u1',
        severity: 'LOW',
      },
      {
        id: 'GHSA-xvch-5gv4-984h',
        aliases: ['CVE-2099-0004'],
        package: 'minimist',
        purl: 'pkg:npm/minimist@1.2.5',
        installedVersion: '1.2.5',
        fixedVersion: '1.2.6',
        severity: 'CRITICAL',
        score: 9.8,
        vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
        summary: 'Prototype pollution in minimist',
      },
      {
        id: 'OSV-2099-0005',
        aliases: [],
        package: 'minimist',
        purl: 'pkg:npm/minimist@1.2.5',
        installedVersion: '1.2.5',
        severity: 'UNKNOWN',
        vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
      },
    ],
    baseline: [
      {
        id: 'CONSIGN-BASE-001',
        severity: 'MEDIUM',
        title: 'The image runs as root',
        remedy: 'Create an unprivileged user in the image and switch to it with USER.',
        cis: '4.1',
        details: ['no USER set'],
      },
      {
        id: 'CONSIGN-BASE-002',
        severity: 'HIGH',
        title: 'Secrets in the image environment (ENV)',
        remedy: 'Pass secrets at run time.',
        cis: '4.10',
        details: ['ENV DB_PASSWORD'],
      },
      {
        id: 'CONSIGN-BASE-005',
        severity: 'MEDIUM',
        title: 'Files with setuid or setgid permissions',
        remedy: 'Remove the setuid/setgid bits the application does not need (chmod u-s,g-s).',
        cis: '4.8',
        details: ['/usr/bin/mount (setuid)', '/usr/bin/su (setuid)'],
      },
    ],
    secrets: [
      { rule: 'aws-access-key-id', title: 'AWS access key id', path: '/app/settings.env', line: 2 },
      { rule: 'private-key', title: 'Private key', path: '/root/.ssh/id_ed25519', line: 1 },
    ],
    malware: [
      {
        rule: 'eicar-test-file',
        title: 'EICAR anti-virus test file',
        path: '/tmp/eicar.com',
        sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
      },
    ],
    summary: {
      packages: 5,
      vulnerabilities: { CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 1, NONE: 0, UNKNOWN: 1, total: 5 },
    },
    database: { records: 5, dataAsOf: '2026-11-27T00:00:00.000Z', stale: false },
  };
}
