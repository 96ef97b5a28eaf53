/** The connection string as it may be shown: no password, in the userinfo or in the query string. */
export function redactUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    url.password = '';
    url.searchParams.delete('password');
    return url.toString();
  } catch {
    return connectionString.replace(/:[^:@/]*@/, '@');
  }
}
