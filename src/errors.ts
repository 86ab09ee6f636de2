/**
 * Every failure the user can see is an `AppError` with a stable code. The message names the
 * bad value and the fix. One table maps each code to its HTTP status, CLI exit code and
 * whether a job that failed with it may be retried.
 */
export const errorCodes = {
  CONFIG_INVALID: { http: 500, exit: 78, retry: false },
  CONFIG_FILE_UNREADABLE: { http: 500, exit: 78, retry: false },
  USAGE: { http: 400, exit: 64, retry: false },
  FOLDER_NOT_FOUND: { http: 404, exit: 66, retry: false },
  // the data folder (--data) holds no facetag library: a typo, or nothing indexed yet
  LIBRARY_NOT_FOUND: { http: 404, exit: 66, retry: false },
  NOT_FOUND: { http: 404, exit: 66, retry: false },
  CONFLICT: { http: 409, exit: 65, retry: false },
  INVALID_INPUT: { http: 400, exit: 65, retry: false },
  // photo-level failures: recorded on the photo, the run goes on
  PHOTO_EMPTY: { http: 422, exit: 65, retry: false },
  PHOTO_UNREADABLE: { http: 422, exit: 66, retry: true },
  PHOTO_UNSUPPORTED: { http: 415, exit: 65, retry: false },
  PHOTO_CORRUPT: { http: 422, exit: 65, retry: false },
  PHOTO_TOO_LARGE: { http: 413, exit: 65, retry: false },
  // a folder under the indexed one that cannot be listed: its photos wait until it can be
  FOLDER_UNREADABLE: { http: 422, exit: 66, retry: true },
  // models
  MODEL_MISSING: { http: 500, exit: 69, retry: false },
  MODEL_CHECKSUM: { http: 500, exit: 69, retry: false },
  MODEL_INVALID: { http: 500, exit: 69, retry: false },
  MODEL_DOWNLOAD: { http: 502, exit: 69, retry: true },
  MODEL_MISMATCH: { http: 409, exit: 65, retry: false },
  // the LLM (annotate/): off, unreachable, or answering nonsense
  LLM_DISABLED: { http: 503, exit: 69, retry: false },
  LLM_UNAVAILABLE: { http: 503, exit: 69, retry: true },
  LLM_BAD_OUTPUT: { http: 502, exit: 65, retry: false },
  // backups
  BACKUP_INVALID: { http: 422, exit: 65, retry: false },
  // infrastructure
  STORE_FAILED: { http: 503, exit: 74, retry: true },
  INTERNAL: { http: 500, exit: 70, retry: true },
  // a native library facetag needs did not load (no build for this platform, a broken install)
  DEPENDENCY_MISSING: { http: 500, exit: 69, retry: false },
  // cluster deployment
  CLUSTER_INVALID: { http: 500, exit: 78, retry: false },
  SERVICE_UNAVAILABLE: { http: 503, exit: 69, retry: true },
  // queue (cluster mode)
  QUEUE_UNAVAILABLE: { http: 503, exit: 69, retry: true },
  QUEUE_DRIVER: { http: 500, exit: 78, retry: false },
  PHOTO_CHANGED: { http: 409, exit: 65, retry: false },
  // S3 object storage (storage.driver s3, s3:// photo sources)
  S3_AUTH: { http: 502, exit: 77, retry: false },
  S3_BUCKET_MISSING: { http: 502, exit: 69, retry: false },
  S3_UNAVAILABLE: { http: 503, exit: 69, retry: true },
  S3_TLS: { http: 502, exit: 69, retry: false },
  // cluster mode: every worker that took the photo's job died on it (BullMQ's stalled limit)
  WORKER_CRASHED: { http: 500, exit: 70, retry: false },
} as const satisfies Record<string, { http: number; exit: number; retry: boolean }>;

export type ErrorCode = keyof typeof errorCodes;

export class AppError extends Error {
  override readonly name = 'AppError';
  /** Facts a program (the dashboard) can act on, beside the message: e.g. `{ photoIds }` of a refused merge. */
  readonly details?: Record<string, unknown>;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.details) this.details = options.details;
  }

  get httpStatus(): number {
    return errorCodes[this.code].http;
  }

  get exitCode(): number {
    return errorCodes[this.code].exit;
  }

  get retryable(): boolean {
    return errorCodes[this.code].retry;
  }
}

/** Wraps anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(error: unknown, fallback: ErrorCode = 'INTERNAL'): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AppError(fallback, message, { cause: error });
}
