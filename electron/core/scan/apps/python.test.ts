import { describe, expect, it } from 'vitest';
import {
  isPythonMetadata,
  normalizePythonName,
  parsePythonMetadata,
  pythonPackage,
} from './python';

const METADATA = `Metadata-Version: 2.1
Name: Jinja2
Version: 3.1.2
Summary: A very fast and expressive template engine.
Home-page: https://palletsprojects.com/p/jinja/
License: BSD-3-Clause
Requires-Python: >=3.7
Description-Content-Type: text/x-rst
License-File: LICENSE.rst

Jinja
=====

Name: not-this
Version: 0.0.0
`;

describe('Python metadata', () => {
  it('finds dist-info and egg-info metadata', () => {
    expect(isPythonMetadata('usr/lib/python3/dist-packages/Jinja2-3.1.2.dist-info/METADATA')).toBe(
      true,
    );
    expect(isPythonMetadata('usr/local/lib/python3.11/site-packages/six.egg-info/PKG-INFO')).toBe(
      true,
    );
    expect(isPythonMetadata('usr/lib/python3/dist-packages/six-1.16.0.egg-info')).toBe(true);
    expect(isPythonMetadata('usr/lib/python3/dist-packages/six.dist-info/RECORD')).toBe(false);
  });

  it('reads Name and Version from the header block only', () => {
    expect(parsePythonMetadata(METADATA)).toEqual({ name: 'Jinja2', version: '3.1.2' });
    expect(parsePythonMetadata('Name: x\r\nVersion: 1.0\r\n')).toEqual({
      name: 'x',
      version: '1.0',
    });
    expect(parsePythonMetadata('Summary: nothing\n')).toBeUndefined();
  });

  it('normalizes names per PEP 503 in the purl', () => {
    expect(normalizePythonName('Foo.Bar__baz-Qux')).toBe('foo-bar-baz-qux');
    expect(pythonPackage('zope.interface', '6.0', 'x/METADATA').purl).toBe(
      'pkg:pypi/zope-interface@6.0',
    );
  });
});
