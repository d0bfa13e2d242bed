/** Turns a glob (`**`, `*`, `?`, `{a,b}`) into a RegExp over slash-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  let braceDepth = 0;
  for (let index = 0; index < glob.length; index += 1) {
    const char = glob[index]!;
    if (char === '*') {
      if (glob[index + 1] === '*') {
        // `**/` matches any number of folders, including none.
        const followedBySlash = glob[index + 2] === '/';
        source += followedBySlash ? '(?:.*/)?' : '.*';
        index += followedBySlash ? 2 : 1;
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') source += '[^/]';
    else if (char === '{') {
      braceDepth += 1;
      source += '(?:';
    } else if (char === '}' && braceDepth > 0) {
      braceDepth -= 1;
      source += ')';
    } else if (char === ',' && braceDepth > 0) source += '|';
    else source += char.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** A pattern without a slash matches a file name anywhere, as in .gitignore and most search tools. */
export function matchesGlob(relativePath: string, glob: string): boolean {
  const pattern = globToRegExp(glob);
  if (glob.includes('/')) return pattern.test(relativePath);
  return pattern.test(relativePath) || pattern.test(relativePath.slice(relativePath.lastIndexOf('/') + 1));
}
