/** The port `--inspect` and `scenarios inspect` serve on unless told another (apart, so parsing it loads no server). */
export const defaultInspectorPort = 4319;
