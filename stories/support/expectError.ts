/*
 * What a person sees of a failure in the demo, checked the same way in the development server
 * and in the static (production) build, where the package's own messages are only the code.
 */
import { expect, within } from 'storybook/test'
import { FALLBACK_SENTENCE } from './ErrorStatus'

export async function expectErrorShown(
  canvasElement: HTMLElement,
  { code, sentence = FALLBACK_SENTENCE, timeout = 4000 }: { code: string; sentence?: string; timeout?: number },
) {
  const alert = await within(canvasElement).findByRole('alert', {}, { timeout })
  await expect(within(alert).getByText(sentence)).toBeVisible()
  await expect(alert.querySelector('[data-fact="errorCode"]')).toHaveTextContent(code)
  return alert
}
