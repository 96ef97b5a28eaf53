/** The connection string as it may be shown: no password, in the userinfo or in the query string. */
export function redactUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    url.password = '';
    url.searchParams.delete('password');
    return url.toString();
  } catch {
    // Not a URL (a port out of range, a password with an unescaped "/" or ":"): everything between the
    // user's ":" and the last "@" may be password, so all of it goes; hiding too much beats showing some.
    return connectionString
      .replace(/^([^:/?#]+:\/\/[^:@/?#]*):.*@/s, '$1@')
      .replace(/([?&]password=)[^&]*/gi, '$1***');
  }
}
