/* Browsers and Node fire a timer set for longer than this (about 24.8 days) at once. */
const MAX_TIMER_MS = 2_147_483_647

/**
 * `setTimeout` for waits that come from options or from a gateway's dates: a wait too long for a
 * timer (`Infinity` included) never fires, instead of firing at once.
 */
export function startTimer(run: () => void, ms: number): ReturnType<typeof setTimeout> | undefined {
  return ms < MAX_TIMER_MS ? setTimeout(run, Math.max(0, ms)) : undefined
}
