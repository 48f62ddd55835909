/* Browsers and Node fire a timer set for longer than this (about 24.8 days) at once. */
const MAX_TIMER_MS = 2_147_483_647

/**
 * `setTimeout` for waits that come from options or from a gateway's dates: a wait too long for a
 * timer (`Infinity` included) never fires, instead of firing at once.
 */
export function startTimer(run: () => void, ms: number): ReturnType<typeof setTimeout> | undefined {
  return ms < MAX_TIMER_MS ? setTimeout(run, Math.max(0, ms)) : undefined
}

/**
 * `work`, or a rejection with `late()` when it has not settled within `ms` (never, for a wait too
 * long for a timer). The timer is cleared either way. Whoever started `work` decides what happens
 * to it when it is late.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, late: () => unknown): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = startTimer(() => reject(late()), ms)
  })
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}
