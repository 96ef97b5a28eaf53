/** The built CLI's file when it may run (see builtCli.js); undefined: run src/ through tsx. */
export function builtCliEntry(root: string): string | undefined;
/** The package's folder. */
export const packageRoot: string;
