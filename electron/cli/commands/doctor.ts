import type { CheckState } from '../../../shared/contract';
import { systemStatus } from '../../core';
import type { Command } from '../command';

const mark: Record<CheckState, string> = { ok: 'ok  ', warning: 'warn', error: 'FAIL' };

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Check the Docker engine, the keychain and the workspace',
  usage: 'doctor',
  help: [
    'Exits 0 when everything works, 3 when something in the environment does not.',
    'Each failed check says what to do about it.',
  ],
  options: {},
  async run({ engine, out }) {
    const status = await systemStatus(engine());
    const checks = [
      { name: 'Workspace', ...status.workspace },
      { name: 'Keychain', ...status.keychain },
      { name: 'Docker', ...status.docker },
    ];
    out.result(status, () =>
      checks
        .map((check) => {
          const lines = [`[${mark[check.state]}] ${check.name}: ${check.message}`];
          if (check.remedy) lines.push(`       fix: ${check.remedy}`);
          return lines.join('\n');
        })
        .join('\n'),
    );
    return checks.some((check) => check.state === 'error') ? 3 : 0;
  },
};
