import { useLayoutEffect, useEffect, useRef } from 'react'

/* useLayoutEffect warns during server rendering; useEffect is the same there (neither runs). */
const useIsomorphicLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect

/**
 * A ref that always holds the latest value, so callbacks returned by a hook can keep their
 * identity and still see the newest options and callbacks.
 */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value)
  useIsomorphicLayoutEffect(() => {
    ref.current = value
  })
  return ref
}
