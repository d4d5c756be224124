/** "Chrome 141 · Linux" from a browser's User-Agent: enough to tell one's sessions apart. */
export function browserOf(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const browser =
    match(userAgent, /Edg\/(\d+)/, 'Edge') ??
    match(userAgent, /OPR\/(\d+)/, 'Opera') ??
    match(userAgent, /Firefox\/(\d+)/, 'Firefox') ??
    match(userAgent, /(?:Chrome|Chromium)\/(\d+)/, 'Chrome') ??
    match(userAgent, /Version\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari\//, 'Safari');
  const system = [
    [/Android/, 'Android'],
    [/iPhone|iPad/, 'iOS'],
    [/Windows/, 'Windows'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/CrOS/, 'ChromeOS'],
    [/Linux/, 'Linux'],
  ].find(([pattern]) => (pattern as RegExp).test(userAgent))?.[1] as string | undefined;
  if (!browser) return userAgent;
  return system ? `${browser} · ${system}` : browser;
}

function match(userAgent: string, pattern: RegExp, name: string): string | null {
  const version = pattern.exec(userAgent)?.[1];
  return version ? `${name} ${version}` : null;
}
