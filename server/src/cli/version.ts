import packageJson from '../../../package.json';

/** The extension's version, shown by `kpp --version` and in SARIF output. */
export const TOOL_VERSION: string = packageJson.version;
