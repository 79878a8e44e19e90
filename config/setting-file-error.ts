// A setting that names a file Regent cannot use (missing, unreadable, or not holding what the
// setting needs): the setting, the file and why, for a start that stops with exit code 2.

export class SettingFileError extends Error {
  override readonly name = 'SettingFileError';
  /** Process exit code for a CLI that cannot start with this file. */
  readonly exitCode = 2;

  constructor(
    /** Dotted path of the setting, e.g. eventLog.tls.caFile. */
    readonly setting: string,
    readonly file: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${setting}: file ${file} ${reason}`, options);
  }
}
