import type { HttpErrorCode } from '../shared/httpApi.ts';

/** An error meant for the client: an HTTP status, a stable code and a readable message. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}
