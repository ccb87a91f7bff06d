import { describe, expect, it } from 'vitest';
import { baselineChecks, type ImageConfig } from './baseline';
import { FileView, type FileMeta } from './layers';

function viewOf(entries: Partial<FileMeta>[]): FileView {
  const view = new FileView();
  for (const entry of entries) {
    const meta = {
      type: 'file',
      size: 0,
      mode: 0o644,
      uid: 0,
      gid: 0,
      layer: 0,
      path: '',
      ...entry,
    } as FileMeta;
    view.files.set(meta.path, meta);
  }
  return view;
}

const ids = (config: ImageConfig, view = viewOf([])) =>
  baselineChecks(config, view).map((f) => f.id);

describe('baselineChecks', () => {
  const careful: ImageConfig = {
    config: {
      User: 'app',
      Env: ['PATH=/usr/bin', 'DB_PASSWORD='],
      Healthcheck: { Test: ['CMD', '/health'] },
      Labels: {
        'org.opencontainers.image.source': 'https://example.com/app',
        'org.opencontainers.image.version': '1.0',
        'org.opencontainers.image.revision': 'abc',
      },
      ExposedPorts: { '8080/tcp': {} },
    },
    history: [{ created_by: 'COPY app /app # buildkit' }],
  };

  it('finds nothing in a carefully built image', () => {
    expect(
      baselineChecks(careful, viewOf([{ path: 'tmp', type: 'directory', mode: 0o1777 }])),
    ).toEqual([]);
  });

  it('names secrets in ENV and build arguments without their values', () => {
    const findings = baselineChecks(
      {
        ...careful,
        config: { ...careful.config, Env: ['API_TOKEN=tok-123-secret', 'MODE=prod'] },
        history: [
          { created_by: '|2 NPM_TOKEN=npm-abc-secret VERSION=1 /bin/sh -c npm ci' },
          { created_by: '/bin/sh -c #(nop) ARG GITHUB_TOKEN=ghp-secret' },
        ],
      },
      viewOf([]),
    );
    expect(findings.map((f) => [f.id, f.details])).toEqual([
      ['CONSIGN-BASE-002', ['ENV API_TOKEN']],
      ['CONSIGN-BASE-003', ['ARG NPM_TOKEN', 'ARG GITHUB_TOKEN']],
    ]);
    expect(JSON.stringify(findings)).not.toMatch(/secret"|tok-123|npm-abc|ghp-/);
  });

  it('flags root, ADD from a URL, setuid/setgid and world-writable files, SSH, no healthcheck and no labels', () => {
    const view = viewOf([
      { path: 'usr/bin/su', mode: 0o4755 },
      { path: 'usr/bin/wall', mode: 0o2755 },
      { path: 'srv/shared', mode: 0o666 },
      { path: 'srv/drop', type: 'directory', mode: 0o777 },
      { path: 'tmp', type: 'directory', mode: 0o1777 },
    ]);
    const findings = baselineChecks(
      {
        config: { ExposedPorts: { '22/tcp': {}, '80/tcp': {} } },
        history: [{ created_by: 'ADD https://example.com/tool.tgz /opt/ # buildkit' }],
      },
      view,
    );
    expect(Object.fromEntries(findings.map((f) => [f.id, f.details]))).toEqual({
      'CONSIGN-BASE-001': ['no USER set'],
      'CONSIGN-BASE-004': ['ADD https://example.com/tool.tgz /opt/ # buildkit'],
      'CONSIGN-BASE-005': ['/usr/bin/su (setuid)', '/usr/bin/wall (setgid)'],
      'CONSIGN-BASE-006': ['/srv/drop', '/srv/shared'],
      'CONSIGN-BASE-007': ['22/tcp (SSH)'],
      'CONSIGN-BASE-008': [],
      'CONSIGN-BASE-009': [
        'org.opencontainers.image.source',
        'org.opencontainers.image.version',
        'org.opencontainers.image.revision',
      ],
    });
  });

  it('reads USER 0 and root:root as root, and a disabled healthcheck as none', () => {
    expect(ids({ ...careful, config: { ...careful.config, User: '0:0' } })).toContain(
      'CONSIGN-BASE-001',
    );
    expect(ids({ ...careful, config: { ...careful.config, User: 'root:root' } })).toContain(
      'CONSIGN-BASE-001',
    );
    expect(
      ids({ ...careful, config: { ...careful.config, Healthcheck: { Test: ['NONE'] } } }),
    ).toEqual(['CONSIGN-BASE-008']);
  });
});
