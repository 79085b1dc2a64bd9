// Errors a CLI user can cause: printed as one line naming the cause and the fix, exit code 2.
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
