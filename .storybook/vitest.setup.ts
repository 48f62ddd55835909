import { afterEach } from 'vitest'
import { page } from 'vitest/browser'

// A picture of every story as its play function left it, in screenshots/ (not committed), so
// the demo can be looked at after each run.
afterEach(async (context) => {
  const story = context.task.name
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase()
  const file = (context.task.file?.name ?? 'story')
    .split('/')
    .pop()!
    .replace(/\.stories\.tsx$/, '')
  await page.screenshot({ path: `../screenshots/${file}--${story}.png` })
})
