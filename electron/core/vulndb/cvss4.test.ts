import { describe, expect, it } from 'vitest';
import { ConsignError } from '../errors';
import { cvss4Score, cvss4ScoreOf, parseCvss4Vector } from './cvss4';

// Expected scores come from published scored vectors: the test data of the Python `cvss`
// library (base, threat, security-requirement and supplemental vector lists), the test data of
// the Rust `polycvss` crate (which also names each vector's macrovector), and CVE records that
// publish a CVSS v4.0 vector with its score. Each was also checked against FIRST's reference
// calculator for CVSS v4.0.
describe('cvss4Score', () => {
  it.each([
    // Base metrics only (CVSS-B).
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3],
    ['CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.5],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N', 6.9],
    ['CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N', 8.5],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N', 8.8],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:H/SA:L', 9.2],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:N/SA:L', 7.8],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:L/SC:H/SI:H/SA:H', 9.3],
    ['CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:L/SI:L/SA:H', 9.0],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:L/VI:L/VA:H/SC:H/SI:N/SA:N', 8.2],
    ['CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:A/VC:L/VI:H/VA:H/SC:N/SI:H/SA:N', 8.2],
    ['CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:A/VC:N/VI:N/VA:H/SC:L/SI:H/SA:H', 7.1],
    ['CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:P/VC:H/VI:H/VA:H/SC:L/SI:L/SA:H', 7.0],
    ['CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:H/VA:H/SC:H/SI:H/SA:L', 6.0],
    ['CVSS:4.0/AV:A/AC:H/AT:N/PR:H/UI:P/VC:L/VI:H/VA:H/SC:N/SI:H/SA:L', 5.8],
    ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:N/VC:L/VI:N/VA:H/SC:L/SI:H/SA:L', 5.8],
    ['CVSS:4.0/AV:A/AC:H/AT:N/PR:N/UI:A/VC:L/VI:L/VA:L/SC:L/SI:H/SA:L', 4.8],
    ['CVSS:4.0/AV:P/AC:H/AT:P/PR:N/UI:N/VC:N/VI:H/VA:L/SC:L/SI:N/SA:L', 4.3],
    ['CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:A/VC:L/VI:L/VA:N/SC:L/SI:H/SA:L', 2.1],
    ['CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:A/VC:N/VI:L/VA:L/SC:H/SI:N/SA:L', 2.0],
    ['CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:A/VC:L/VI:N/VA:L/SC:N/SI:N/SA:H', 1.8],
    // No impact on either system scores zero, however easy the attack.
    ['CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 0],
    // Threat metrics (CVSS-BT): exploit maturity lowers the score.
    ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A', 7.3],
    ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:P', 5.9],
    ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U', 4.1],
    // Security requirements (CVSS-BE).
    ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:H/IR:H/AR:L', 7.2],
    ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:L/IR:L/AR:M', 5.5],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/CR:L/IR:H/AR:L', 0],
    // Supplemental metrics are carried but never change the score.
    [
      'CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:P/AU:Y/R:A/V:C/RE:L/U:Red',
      7.3,
    ],
    [
      'CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:P/AU:N/R:I/V:D/RE:H/U:Amber',
      7.3,
    ],
  ])('%s scores %s', (vector, score) => {
    expect(cvss4Score(vector).score).toBe(score);
  });

  // Threat and environmental metrics together, with modified base metrics and the Safety value
  // of the subsequent system; the macrovector is checked as well.
  it.each([
    [
      'CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:P/VC:H/VI:N/VA:H/SC:L/SI:H/SA:L/E:A/CR:M/IR:H/AR:L/MAV:A/MAC:X/MAT:P/MPR:L/MUI:N/MVC:L/MVI:N/MVA:L/MSC:N/MSI:S/MSA:N',
      '112001',
      6.6,
    ],
    [
      'CVSS:4.0/AV:P/AC:L/AT:P/PR:H/UI:N/VC:L/VI:L/VA:N/SC:H/SI:N/SA:L/E:U/CR:H/IR:H/AR:X/MAV:N/MAC:L/MAT:X/MPR:L/MUI:N/MVC:L/MVI:H/MVA:L/MSC:N/MSI:S/MSA:S',
      '111020',
      6.0,
    ],
    [
      'CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:A/VC:L/VI:N/VA:H/SC:H/SI:L/SA:H/E:X/CR:L/IR:X/AR:L/MAV:A/MAC:H/MAT:X/MPR:N/MUI:P/MVC:H/MVI:L/MVA:H/MSC:X/MSI:S/MSA:N',
      '111001',
      7.4,
    ],
    [
      'CVSS:4.0/AV:A/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:L/SC:L/SI:H/SA:N/E:U/CR:M/IR:X/AR:L/MAV:N/MAC:L/MAT:N/MPR:X/MUI:P/MVC:L/MVI:X/MVA:N/MSC:X/MSI:L/MSA:L',
      '102221',
      1.2,
    ],
    [
      'CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:A/VC:H/VI:N/VA:L/SC:L/SI:L/SA:N/E:P/CR:X/IR:X/AR:L/MAV:N/MAC:H/MAT:N/MPR:L/MUI:P/MVC:X/MVI:N/MVA:H/MSC:N/MSI:X/MSA:L',
      '111210',
      5.0,
    ],
    [
      'CVSS:4.0/AV:P/AC:L/AT:P/PR:N/UI:A/VC:H/VI:N/VA:H/SC:N/SI:H/SA:L/E:P/CR:L/IR:H/AR:M/MAV:P/MAC:L/MAT:N/MPR:X/MUI:N/MVC:L/MVI:X/MVA:N/MSC:L/MSI:H/MSA:N',
      '202111',
      1.9,
    ],
    [
      'CVSS:4.0/AV:A/AC:H/AT:N/PR:H/UI:P/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/CR:L/IR:X/AR:X/MAV:L/MAC:H/MAT:N/MPR:N/MUI:N/MVC:H/MVI:X/MVA:N/MSC:X/MSI:H/MSA:H',
      '111101',
      5.8,
    ],
  ])('%s is macrovector %s and scores %s', (vector, macroVector, score) => {
    expect(cvss4Score(vector)).toMatchObject({ score, macroVector });
  });

  it('rounds exact ties half up', () => {
    // Exactly 5.95 and 0.65 before rounding: the specification rounds them to 6.0 and 0.7.
    const ties: [string, number][] = [
      [
        'CVSS:4.0/AV:A/AC:H/AT:N/PR:L/UI:P/VC:L/VI:L/VA:L/SC:N/SI:L/SA:N/E:A/CR:M/IR:H/AR:L/MAV:X/MAC:L/MAT:P/MPR:N/MUI:N/MVC:X/MVI:H/MVA:X/MSC:L/MSI:X/MSA:X',
        6,
      ],
      [
        'CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:N/VI:H/VA:N/SC:N/SI:N/SA:L/E:P/CR:X/IR:L/AR:H/MAV:A/MAC:L/MAT:P/MPR:L/MUI:P/MVC:X/MVI:X/MVA:L/MSC:N/MSI:N/MSA:X',
        0.7,
      ],
    ];
    for (const [vector, score] of ties) expect(cvss4Score(vector).score).toBe(score);
  });

  it('names the metric groups a score reflects', () => {
    const base = 'CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
    expect(cvss4Score(base).nomenclature).toBe('CVSS-B');
    expect(cvss4Score(`${base}/E:P`).nomenclature).toBe('CVSS-BT');
    expect(cvss4Score(`${base}/CR:M`).nomenclature).toBe('CVSS-BE');
    expect(cvss4Score(`${base}/E:U/MAV:N`).nomenclature).toBe('CVSS-BTE');
    // Metrics written out as Not Defined are the base score: a CVE record publishes this
    // long form as 8.5.
    const spelledOut = `${base}/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X`;
    expect(cvss4Score(spelledOut)).toEqual({
      score: 8.5,
      nomenclature: 'CVSS-B',
      macroVector: '100200',
    });
  });

  it('does not depend on the order of the metrics', () => {
    const shuffled = 'CVSS:4.0/SA:N/VC:H/AV:L/SI:N/PR:L/UI:N/VI:H/AC:L/VA:H/AT:N/SC:N';
    expect(cvss4Score(shuffled).score).toBe(8.5);
  });

  it('accepts surrounding whitespace', () => {
    expect(
      cvss4Score('  CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N\n').score,
    ).toBe(9.3);
  });
});

describe('parseCvss4Vector', () => {
  const base = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';

  it('returns every metric given', () => {
    const metrics = parseCvss4Vector(`${base}/E:P/U:Clear`);
    expect(metrics.get('AV')).toBe('N');
    expect(metrics.get('E')).toBe('P');
    expect(metrics.get('U')).toBe('Clear');
    expect(metrics.size).toBe(13);
  });

  it.each([
    ['', 'does not start with CVSS:4.0/'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'does not start with CVSS:4.0/'],
    ['cvss:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'does not start'],
    ['AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'does not start'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N', 'lacks SA'],
    ['CVSS:4.0/AV:N/AC:L', 'lacks AT, PR, UI, VC, VI, VA, SC, SI, SA'],
    [`${base}/AV:L`, 'AV appears more than once'],
    [`${base}/E:A/E:A`, 'E appears more than once'],
    [`${base}/XX:N`, 'XX is not a CVSS v4.0 metric'],
    [`${base}/S:U`, 'S:U is not allowed'],
    ['CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'AV:X is not allowed'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N', 'SI:S is not allowed'],
    [`${base}/MSC:S`, 'MSC:S is not allowed'],
    ['CVSS:4.0/AV:n/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'AV:n is not allowed'],
    [`${base}/`, '"" is not a METRIC:VALUE pair'],
    [`${base}/E`, '"E" is not a METRIC:VALUE pair'],
    [`${base}/E:A:P`, '"E:A:P" is not a METRIC:VALUE pair'],
    ['CVSS:4.0//AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'is not a METRIC:VALUE'],
  ])('refuses %j: %s', (vector, reason) => {
    let caught: unknown;
    try {
      parseCvss4Vector(vector);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConsignError);
    const error = caught as ConsignError;
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain(reason);
    expect(error.remedy).toContain('CVSS:4.0/');
  });

  it('shortens a very long vector in the message', () => {
    const long = `CVSS:4.0/${'AV:N/'.repeat(200)}`;
    expect(() => parseCvss4Vector(long)).toThrow(/…" is not valid/);
  });
});

describe('cvss4ScoreOf', () => {
  it('scores a valid vector and gives undefined for an invalid one', () => {
    expect(cvss4ScoreOf('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toBe(
      9.3,
    );
    expect(cvss4ScoreOf('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H')).toBeUndefined();
    expect(cvss4ScoreOf('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBeUndefined();
  });
});
