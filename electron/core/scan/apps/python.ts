/**
 * Python distributions: `NAME.dist-info/METADATA` (wheels, pip) and `NAME.egg-info/PKG-INFO`
 * or a single-file `NAME.egg-info` (setuptools). Both are email-style headers; only Name and
 * Version are read, from the header block before the description.
 */
import { purlPart, type Package } from '../types';

const DIST_INFO = /(^|\/)[^/]+\.dist-info\/METADATA$/;
const EGG_INFO = /(^|\/)[^/]+\.egg-info(\/PKG-INFO)?$/;

export const isPythonMetadata = (path: string) => DIST_INFO.test(path) || EGG_INFO.test(path);

/** The header block is what matters; descriptions after it can be long and are not kept. */
export const PYTHON_METADATA_BYTES = 64 * 1024;

/** PEP 503: runs of `-`, `_` and `.` are one `-`, case is ignored. */
export function normalizePythonName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

export function parsePythonMetadata(text: string): { name: string; version: string } | undefined {
  let name: string | undefined;
  let version: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0 || line[0] === ' ' || line[0] === '\t') continue;
    const field = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (field === 'name' && name === undefined) name = value;
    else if (field === 'version' && version === undefined) version = value;
  }
  return name && version ? { name, version } : undefined;
}

export function pythonPackage(name: string, version: string, path: string): Package {
  return {
    type: 'pypi',
    name,
    version,
    purl: `pkg:pypi/${purlPart(normalizePythonName(name))}@${purlPart(version)}`,
    path,
  };
}
