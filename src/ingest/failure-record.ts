import type { PhotoFailure } from '../catalog/catalog.js';
import type { Deps } from '../deps.js';
import { AppError, toAppError } from '../errors.js';
import { plural } from '../plural.js';
import type { PhotoSource, SourcePhoto } from '../sources/photo-source.js';

/**
 * An index run's failed photos: each failure goes to the catalog through the run's single
 * writer, and the photo is settled in its source once its failure is on record (an S3 photo
 * leaves the bucket only then). A failure the catalog refused (it is unreachable, or locked too
 * long) is kept and tried again when the run ends; one that still cannot be recorded fails the
 * run, naming the photos: a failure is never silent, and the next run tries those photos again.
 */
export function createFailureRecorder(
  { log }: Pick<Deps, 'log'>,
  source: Pick<PhotoSource, 'settle' | 'displayName'>,
  /** Records a failure through the writer: null once it is on record, else the catalog's error. */
  record: (photo: SourcePhoto, failure: PhotoFailure) => Promise<{ code: string; message: string } | null>,
) {
  const later: Array<{ photo: SourcePhoto; failure: PhotoFailure }> = [];
  const settle = (photo: SourcePhoto) =>
    source.settle(photo, 'failed').catch((error: unknown) => log.warn({ code: toAppError(error).code }, 'could not settle a failed photo'));
  return {
    /** A failure the writer has tried to record: `refused` is the catalog's error when it could not. */
    async noted(photo: SourcePhoto, failure: PhotoFailure, refused: { code: string; message: string } | null): Promise<void> {
      if (!refused) return settle(photo);
      log.error({ code: refused.code }, 'could not record a failure; trying again when the run ends');
      later.push({ photo, failure });
    },
    /**
     * Tries the failures not recorded yet once more; throws STORE_FAILED naming those that still
     * cannot be. The first that fails again ends the tries: the catalog is still out of reach.
     */
    async finish(): Promise<void> {
      const left: Array<{ photo: SourcePhoto; error: { code: string; message: string } }> = [];
      for (const { photo, failure } of later.splice(0)) {
        if (left.length > 0) {
          left.push({ photo, error: left[0]!.error });
          continue;
        }
        const refused = await record(photo, failure);
        if (refused) left.push({ photo, error: refused });
        else await settle(photo);
      }
      if (left.length === 0) return;
      log.error({ photos: left.length, code: left[0]!.error.code }, 'failures could not be recorded');
      const names = left.slice(0, 5).map((l) => source.displayName(l.photo)).join(', ');
      throw new AppError('STORE_FAILED', `${plural(left.length, 'photo')} failed and could not be recorded as failed in the catalog (${left[0]!.error.message}): ${names}${left.length > 5 ? ', ...' : ''}; run the index again once the catalog is reachable, and they are tried again`);
    },
  };
}

/**
 * A folder that could not be listed is on record as a failure under its own key. The record goes
 * once photos under it are listed again, or when a complete listing of the source (`scope`) no
 * longer reports it (fixed, renamed or removed).
 */
export async function clearListedFolderFailures({ catalog }: Pick<Deps, 'catalog'>, source: Pick<PhotoSource, 'scope'>, listed: SourcePhoto[]): Promise<void> {
  const unlisted = new Set(listed.filter((p) => p.problem).map((p) => p.key));
  const scope = source.scope;
  for (const f of (await catalog.listFailures()).filter((r) => r.errorCode === 'FOLDER_UNREADABLE')) {
    if (unlisted.has(f.path)) continue;
    const fixed = listed.some((p) => !p.problem && p.key.startsWith(`${f.path}/`));
    const gone = scope !== undefined && f.path.startsWith(`${scope}/`);
    if (fixed || gone) await catalog.deletePhoto(f.id);
  }
}
