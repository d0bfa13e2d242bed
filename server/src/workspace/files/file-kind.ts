import path from 'node:path';
import ignore from 'ignore';
import { MAX_FILE_PATH_CHARS, MAX_LIVE_FILE_BYTES } from '@tandem/shared/limits.js';
import type { FileInfo } from '@tandem/shared/doc/schema.js';

const BINARY_EXTENSIONS = new Set(
  'png jpg jpeg gif webp ico bmp tiff pdf zip gz tgz bz2 xz 7z rar jar war class so dylib dll exe bin wasm woff woff2 ttf otf eot mp3 mp4 mov avi webm ogg wav flac sqlite db pyc o a'.split(' '),
);

/** Binary as git decides it: a NUL byte near the start. */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

/** A file's kind from its bytes: too large to be live, binary (NUL bytes or not UTF-8), or text. */
export function classifyContent(bytes: Uint8Array): FileInfo['kind'] {
  if (bytes.byteLength > MAX_LIVE_FILE_BYTES) return 'too-large';
  if (looksBinary(bytes)) return 'binary';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'text';
  } catch {
    return 'binary';
  }
}

/** A first guess for the tree, before the content is read (listing 20,000 files reads none of them). */
export function guessKind(filePath: string, size: number): FileInfo['kind'] {
  if (size > MAX_LIVE_FILE_BYTES) return 'too-large';
  return BINARY_EXTENSIONS.has(path.extname(filePath).slice(1).toLowerCase()) ? 'binary' : 'text';
}

/** A workspace path as the doc keys it: relative, forward slashes, no `.` or `..` parts. Null when unusable. */
export function normalizeWorkspacePath(raw: string): string | null {
  if (raw.length === 0 || raw.length > MAX_FILE_PATH_CHARS || raw.includes('\0')) return null;
  const normalized = path.posix.normalize(raw.replaceAll('\\', '/')).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (normalized === '' || normalized === '.' || normalized.startsWith('/') || normalized.split('/').includes('..')) return null;
  return normalized;
}

/** Always left out of the tree: git's own files, dependencies and tool caches (npm's lands in the workspace home). */
export const ALWAYS_IGNORED = ['.git/', 'node_modules/', '.npm/', '.cache/'];

/** The always-ignored paths plus the repo's root .gitignore rules: such paths stay out of the tree. */
export function createWorkspaceIgnore(gitignore: string | null): ignore.Ignore {
  const rules = ignore().add(ALWAYS_IGNORED);
  if (gitignore) rules.add(gitignore);
  return rules;
}
