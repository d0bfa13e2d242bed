/**
 * The words of a package.json script, read the way sh would split them, for the simple scripts a
 * check usually is (`eslint src --max-warnings 0`, `tsc --noEmit -p .`). Anything whose meaning
 * depends on the shell (variables, command substitution, escapes, redirects, an unquoted `**` or
 * brace that sh and the tool would expand differently) is not read: `undefined`, and the check
 * runs as written.
 */
export interface ScriptWord {
  text: string;
  /** Whether any part of it was quoted (sh then does not expand globs in that part). */
  quoted: boolean;
}

const SHELL_ONLY = /[$`\\;&|<>()\n\r]/;

export function scriptWords(script: string): ScriptWord[] | undefined {
  const words: ScriptWord[] = [];
  let current: ScriptWord | undefined;
  for (let index = 0; index < script.length; index += 1) {
    const char = script[index]!;
    if (char === ' ' || char === '\t') {
      if (current) words.push(current);
      current = undefined;
      continue;
    }
    current ??= { text: '', quoted: false };
    if (char === "'" || char === '"') {
      const end = script.indexOf(char, index + 1);
      if (end < 0) return undefined;
      const inner = script.slice(index + 1, end);
      if (char === '"' && SHELL_ONLY.test(inner)) return undefined;
      current.text += inner;
      current.quoted = true;
      index = end;
      continue;
    }
    if (SHELL_ONLY.test(char)) return undefined;
    current.text += char;
  }
  if (current) words.push(current);
  for (const word of words) {
    if (!word.quoted && /\*\*|[{}]/.test(word.text)) return undefined;
  }
  return words;
}

/** A word as sh reads it back, whatever it holds (single quotes; a quote inside closes, escapes and reopens). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
