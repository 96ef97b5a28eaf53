// jstat ships no type declarations; this covers the functions the report's statistics use.
declare module 'jstat' {
  const jstat: {
    jStat: {
      studentt: {
        /** Quantile of Student's t distribution with `dof` degrees of freedom. */
        inv(p: number, dof: number): number;
        /** Cumulative probability of Student's t distribution with `dof` degrees of freedom. */
        cdf(x: number, dof: number): number;
      };
    };
  };
  export default jstat;
}
