/**
 * Calls an app callback without letting its exception break the package's promise contract;
 * the exception is rethrown in its own task so error reporting still sees it.
 */
export function callSafely<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): void {
  if (!callback) return
  try {
    callback(...args)
  } catch (error) {
    setTimeout(() => {
      throw error
    })
  }
}
