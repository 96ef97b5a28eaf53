// jstat ships no type declarations; this covers the one function the scaling fit uses.
declare module 'jstat' {
  const jstat: {
    jStat: {
      studentt: {
        /** Quantile of Student's t distribution with `dof` degrees of freedom. */
        inv(p: number, dof: number): number;
      };
    };
  };
  export default jstat;
}
