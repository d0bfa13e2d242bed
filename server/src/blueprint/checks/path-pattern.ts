/**
 * Whether a workspace-relative file is among what an ESLint pattern argument names: `.` (everything),
 * a folder or file (`src`, `./src/`, `src/a.ts`), or a glob (`src/**\/*.ts`, `*.{js,ts}`) read with
 * minimatch's rules as ESLint uses them (dot files match). A pattern this cannot read (a negation,
 * `..`, an absolute path) gives `undefined`: the caller then lints in full.
 */
export function patternMatcher(pattern: string): ((file: string) => boolean) | undefined {
  if (pattern.startsWith('!') || pattern.startsWith('/')) return undefined;
  const normalized = pattern.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (normalized === '' || normalized === '.') return () => true;
  if (normalized.split('/').includes('..')) return undefined;
  if (!/[*?[\]{}]/.test(normalized)) return (file) => file === normalized || file.startsWith(`${normalized}/`);
  const expression = globExpression(normalized);
  if (!expression) return undefined;
  // A glob naming folders (`src/*`) covers what is inside them, as ESLint walks a matched folder.
  const regex = new RegExp(`^${expression}(?:/.*)?$`);
  return (file) => regex.test(file);
}

function globExpression(glob: string): string | undefined {
  let expression = '';
  const segments = glob.split('/');
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    if (segment === '**') {
      expression += last ? '.*' : '(?:[^/]*/)*';
      continue;
    }
    const part = segmentExpression(segment);
    if (part === undefined) return undefined;
    expression += last ? part : `${part}/`;
  }
  return expression;
}

function segmentExpression(segment: string): string | undefined {
  let expression = '';
  for (let index = 0; index < segment.length; index += 1) {
    const char = segment[index]!;
    if (char === '*') expression += '[^/]*';
    else if (char === '?') expression += '[^/]';
    else if (char === '[') {
      const end = segment.indexOf(']', index + 2);
      if (end < 0) return undefined;
      const body = segment.slice(index + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
      expression += `[${body}]`;
      index = end;
    } else if (char === '{') {
      const end = segment.indexOf('}', index);
      const inner = end < 0 ? '' : segment.slice(index + 1, end);
      if (end < 0 || /[{[]/.test(inner)) return undefined;
      const options = inner.split(',').map((option) => segmentExpression(option));
      if (options.some((option) => option === undefined)) return undefined;
      expression += `(?:${options.join('|')})`;
      index = end;
    } else if (char === ']' || char === '}') return undefined;
    else expression += char.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return expression;
}
