/** Every module that a built file imports or requires, outside comments (the docs show imports). */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const found = new Set<string>()
  for (const match of code.matchAll(
    /\bfrom\s*["']([^"']+)["']|\bimport\s*\(?\s*["']([^"']+)["']|\brequire\(\s*["']([^"']+)["']\s*\)/g,
  )) {
    found.add((match[1] ?? match[2] ?? match[3])!)
  }
  return [...found]
}

/* Names that only the client entry has; imports of React and SWR are caught by importsOf. */
export const CLIENT_ONLY =
  /use client|PlaidGatewayProvider|useExchangePublicToken|useUpdateModeToken|useSWR|createContext/
