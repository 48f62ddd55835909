/**
 * The signed-in user, as the gateway asks for it. The example has one demo user; an app returns
 * the user of its own session here (from a cookie or a bearer token), or `null` for nobody.
 */
export async function currentUserId(_request: Request): Promise<string | null> {
  return 'demo-user'
}
