import type { Plugin as EsbuildPlugin } from 'esbuild'
import type { Plugin as VitePlugin } from 'vite'

export function bundleScript(file: string): Promise<{ code: string; inputs: string[] }>
export function scriptTextEsbuildPlugin(): EsbuildPlugin
export function scriptTextVitePlugin(): VitePlugin
