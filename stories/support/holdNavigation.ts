/*
 * Lets a play see where the page is about to go without leaving it. The browser's Navigation API
 * announces every navigation the page starts (`location.assign` too) before it happens, and lets
 * the page cancel it: the story, and the test running it, stay where they are.
 */

/* The part of the Navigation API used here, which TypeScript's DOM types do not have yet. */
interface NavigateEvent extends Event {
  readonly destination: { readonly url: string }
}

export function holdNavigations(view: Window) {
  const navigation = (view as Window & { navigation?: EventTarget }).navigation
  if (!navigation) throw new Error('This browser has no Navigation API, which the story needs to stay on its page.')
  const held: URL[] = []
  const hold = (event: Event) => {
    held.push(new URL((event as NavigateEvent).destination.url))
    event.preventDefault()
  }
  navigation.addEventListener('navigate', hold)
  return {
    /** Where the page tried to go, oldest first. */
    held,
    /** Lets navigations through again. */
    release: () => navigation.removeEventListener('navigate', hold),
  }
}
