/* A module imported with `?script` is bundled on its own for the browser and imported as its text. */
declare module '*?script' {
  const source: string
  export default source
}
